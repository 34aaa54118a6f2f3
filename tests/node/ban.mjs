// End-to-end: a ban pushed to an open socket of the official socket.io-client.
// Usage: node ban.mjs <baseUrl> <websocket|polling>
// The server trusts 127.0.0.1 as a proxy, so each user's X-Forwarded-For is its address.
import assert from "node:assert/strict";
import { clientSocket, httpClient, once, steps } from "./lib.mjs";

const [base, transport] = process.argv.slice(2);
assert.ok(base && ["websocket", "polling"].includes(transport), "usage: <baseUrl> <transport>");
const request = httpClient(base);
const http = (method, path, { body, token, ip }) =>
  request(method, path, { body, token, headers: { "x-forwarded-for": ip } });
const { step, done } = steps();

async function guest(name, ip) {
  const signup = await http("POST", "/auth/guest", { body: { name, gender: "female" }, ip });
  assert.equal(signup.status, 200);
  return { id: signup.body.userId, token: signup.body.sessionToken, ip };
}

const connect = (token, ip) => clientSocket(base, transport, token, { extraHeaders: { "x-forwarded-for": ip } });

const target = await guest("Target", "203.0.113.60");
const socket = connect(target.token, target.ip);
await once(socket, "auth:success");

await step("the fourth report bans the user and the ban reaches the open socket", async () => {
  const banned = once(socket, "auth:banned");
  const disconnected = once(socket, "disconnect");
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
  assert.equal(await disconnected, "io server disconnect");
  assert.ok(Date.now() - started < 1000, "closed within a second of the notice");
});

await step("the banned token is refused at the next connect", async () => {
  const again = connect(target.token, "192.0.2.99");
  const error = await once(again, "connect_error");
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

done(transport);
