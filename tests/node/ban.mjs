// End-to-end: a ban pushed to an open socket of the official socket.io-client.
// Usage: node ban.mjs <baseUrl> <websocket|polling>
// The server trusts 127.0.0.1 as a proxy, so each user's X-Forwarded-For is its address.
import assert from "node:assert/strict";
import { io } from "socket.io-client";

const [base, transport] = process.argv.slice(2);
assert.ok(base && ["websocket", "polling"].includes(transport), "usage: <baseUrl> <transport>");

async function http(method, path, { body, token, ip }) {
  const headers = { "content-type": "application/json", "x-forwarded-for": ip };
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await fetch(base + path, { method, headers, body: body && JSON.stringify(body) });
  return { status: res.status, body: await res.json() };
}

async function guest(name, ip) {
  const signup = await http("POST", "/auth/guest", { body: { name, gender: "female" }, ip });
  assert.equal(signup.status, 200);
  return { id: signup.body.userId, token: signup.body.sessionToken, ip };
}

function connect(token, ip) {
  return io(base, {
    auth: { token },
    transports: [transport],
    reconnection: false,
    extraHeaders: { "x-forwarded-for": ip },
  });
}

function once(socket, event, what) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${what} within 8 s`)), 8000);
    socket.once(event, (payload) => {
      clearTimeout(timer);
      resolve(payload);
    });
  });
}

let passed = 0;
async function step(title, body) {
  await body();
  passed += 1;
  console.log(`ok - ${title}`);
}

const target = await guest("Target", "203.0.113.60");
const socket = connect(target.token, target.ip);
// The web client emits `auth` on every connect, as here.
socket.on("connect", () => socket.emit("auth", { sessionToken: target.token }));
await once(socket, "auth:success", "auth:success");

await step("the fourth report bans the user and the ban reaches the open socket", async () => {
  const banned = once(socket, "auth:banned", "auth:banned");
  const disconnected = once(socket, "disconnect", "disconnect");
  for (let n = 1; n <= 4; n++) {
    const reporter = await guest(`Reporter ${n}`, `198.51.100.${n}`);
    const report = await http("POST", "/report/user", {
      body: { reportedUserId: target.id, reason: "test" },
      token: reporter.token,
      ip: reporter.ip,
    });
    assert.equal(report.status, 200);
    assert.equal(report.body.reportCount, n);
    assert.equal(report.body.autoBanned, n === 4 ? true : undefined);
  }
  const started = Date.now();
  assert.deepEqual(await banned, { message: "Your account has been suspended.", banned: true });
  const reason = await disconnected;
  assert.equal(reason, "io server disconnect");
  assert.ok(Date.now() - started < 1000, "closed within a second of the notice");
});

await step("the banned token is refused at the next connect", async () => {
  const again = connect(target.token, "192.0.2.99");
  const error = await once(again, "connect_error", "connect_error");
  assert.equal(error.message, "Account suspended");
  again.close();
});

await step("the banned user's address is refused, others are not", async () => {
  const refused = await http("GET", "/health", { ip: target.ip });
  assert.equal(refused.status, 403);
  assert.equal(refused.body.error, "Access denied");
  const other = await http("GET", "/health", { ip: "192.0.2.99" });
  assert.equal(other.status, 200);
});

console.log(`${transport}: ${passed} passed, 0 failed`);
process.exit(0);
