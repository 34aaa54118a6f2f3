// What the end-to-end scripts share: JSON over HTTP, waiting for one event, and numbered steps.
import { io } from "socket.io-client";

/** `http(method, path, {body, token, headers})` against `base`, answering `{status, body}`. */
export function httpClient(base) {
  return async function http(method, path, { body, token, headers = {} } = {}) {
    const all = { "content-type": "application/json", ...headers };
    if (token) all.authorization = `Bearer ${token}`;
    const res = await fetch(base + path, { method, headers: all, body: body && JSON.stringify(body) });
    return { status: res.status, body: await res.json() };
  };
}

/** The next `event` on `socket`, or a failure after 8 s. */
export function once(socket, event) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${event} within 8 s`)), 8000);
    socket.once(event, (payload) => {
      clearTimeout(timer);
      resolve(payload);
    });
  });
}

/** A socket to `base` as the web client opens it: `auth.token`, then `auth` on every connect. */
export function clientSocket(base, transport, token, options = {}) {
  const socket = io(base, { auth: { token }, transports: [transport], reconnection: false, ...options });
  socket.on("connect", () => socket.emit("auth", { sessionToken: token }));
  return socket;
}

/** Numbered steps; `done(transport)` prints the line the Rust test checks. */
export function steps() {
  let passed = 0;
  return {
    async step(title, body) {
      await body();
      passed += 1;
      console.log(`ok - ${title}`);
    },
    done(transport) {
      console.log(`${transport}: ${passed} passed, 0 failed`);
      process.exit(0);
    },
  };
}
