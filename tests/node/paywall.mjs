// End-to-end: with the default `--paywall on`, a new user with an admin-minted code reaches
// the queue over the official socket.io-client; one without a code is sent to the paywall.
// Usage: node paywall.mjs <baseUrl> <websocket|polling> <inviteCode>
import assert from "node:assert/strict";
import { io } from "socket.io-client";

const [base, transport, code] = process.argv.slice(2);
assert.ok(base && ["websocket", "polling"].includes(transport) && code, "usage: <baseUrl> <transport> <code>");

async function http(method, path, body, token) {
  const headers = { "content-type": "application/json" };
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await fetch(base + path, { method, headers, body: body && JSON.stringify(body) });
  return { status: res.status, body: await res.json() };
}

function once(socket, event) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${event} within 8 s`)), 8000);
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

await step("a user without a code is sent to the paywall", async () => {
  const signup = await http("POST", "/auth/guest", { name: "Nocode", gender: "male" });
  assert.equal(signup.body.paidStatus, "unpaid");
  assert.equal(signup.body.requiresPayment, true);
  const queue = await http("GET", "/room/queue", undefined, signup.body.sessionToken);
  assert.equal(queue.status, 402);
  assert.equal(queue.body.requiresPayment, true);
});

await step("a user with an admin code joins the queue and sees the others", async () => {
  const users = [];
  for (const name of ["Coded One", "Coded Two"]) {
    const signup = await http("POST", "/auth/guest", { name, gender: "female", inviteCode: code });
    assert.equal(signup.status, 200);
    assert.equal(signup.body.paidStatus, "qr_grace_period");
    assert.equal(signup.body.requiresPayment, false);
    const status = await http("GET", "/payment/status", undefined, signup.body.sessionToken);
    assert.equal(status.body.paidStatus, "qr_grace_period");
    assert.equal(status.body.myCodeInfo.usesRemaining, 4);
    const socket = io(base, { auth: { token: signup.body.sessionToken }, transports: [transport], reconnection: false });
    await once(socket, "auth:success");
    socket.emit("presence:join");
    await new Promise((resolve) => socket.emit("queue:join", resolve));
    users.push({ id: signup.body.userId, token: signup.body.sessionToken, socket });
  }
  const queue = await http("GET", "/room/queue", undefined, users[0].token);
  assert.equal(queue.status, 200);
  assert.deepEqual(queue.body.users.map((u) => u.userId), [users[1].id]);
  for (const u of users) u.socket.close();
});

console.log(`${transport}: ${passed} passed, 0 failed`);
process.exit(0);
