/** Asks for the host's bearer token when the host refuses the one we hold. */
import { useState } from "preact/hooks"
import { setToken } from "../api.js"

/** The token prompt; the token is kept in this browser's localStorage. */
export const TokenDialog = () => {
  const [value, setValue] = useState("")
  return (
    <div class="overlay">
      <form
        class="dialog"
        onSubmit={(e) => {
          e.preventDefault()
          setToken(value.trim())
        }}
      >
        <h2>Token required</h2>
        <p>
          This host needs its shared token (<code>[security] token</code>). It is kept in this browser only.
        </p>
        <input
          type="password"
          name="token"
          autocomplete="current-password"
          placeholder="token"
          value={value}
          onInput={(e) => setValue(e.currentTarget.value)}
        />
        <button type="submit" class="primary">
          Connect
        </button>
      </form>
    </div>
  )
}
