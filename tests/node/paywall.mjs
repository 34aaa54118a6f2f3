// End-to-end: with the default `--paywall on`, a new user with an admin-minted code reaches
// the queue over the official socket.io-client; one without a code is sent to the paywall.
// Usage: node paywall.mjs <baseUrl> <websocket|polling> <inviteCode>
import assert from "node:assert/strict";
import { clientSocket, httpClient, once, steps } from "./lib.mjs";

const [base, transport, code] = process.argv.slice(2);
assert.ok(base && ["websocket", "polling"].includes(transport) && code, "usage: <baseUrl> <transport> <code>");
const http = httpClient(base);
const { step, done } = steps();

await step("a user without a code is sent to the paywall", async () => {
  const signup = await http("POST", "/auth/guest", { body: { name: "Nocode", gender: "male" } });
  assert.equal(signup.body.paidStatus, "unpaid");
  assert.equal(signup.body.requiresPayment, true);
  const queue = await http("GET", "/room/queue", { token: signup.body.sessionToken });
  assert.equal(queue.status, 402);
  assert.equal(queue.body.requiresPayment, true);
});

await step("a user with an admin code joins the queue and sees the others", async () => {
  const users = [];
  for (const name of ["Coded One", "Coded Two"]) {
    const signup = await http("POST", "/auth/guest", { body: { name, gender: "female", inviteCode: code } });
    assert.equal(signup.status, 200);
    assert.equal(signup.body.paidStatus, "qr_grace_period");
    assert.equal(signup.body.requiresPayment, false);
    const token = signup.body.sessionToken;
    const status = await http("GET", "/payment/status", { token });
    assert.equal(status.body.paidStatus, "qr_grace_period");
    assert.equal(status.body.myCodeInfo.usesRemaining, 4);
    const socket = clientSocket(base, transport, token);
    await once(socket, "auth:success");
    socket.emit("presence:join");
    await new Promise((resolve) => socket.emit("queue:join", resolve));
    users.push({ id: signup.body.userId, token, socket });
  }
  const queue = await http("GET", "/room/queue", { token: users[0].token });
  assert.equal(queue.status, 200);
  assert.deepEqual(queue.body.users.map((u) => u.userId), [users[1].id]);
  for (const u of users) u.socket.close();
});

done(transport);
