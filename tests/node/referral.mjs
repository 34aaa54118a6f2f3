// End-to-end: a referral notification reaches the official socket.io-client live, and on the
// `auth` event of a client that was offline when it was made.
// Usage: node referral.mjs <baseUrl> <websocket|polling>
import assert from "node:assert/strict";
import { io } from "socket.io-client";

const [base, transport] = process.argv.slice(2);
assert.ok(base && ["websocket", "polling"].includes(transport), "usage: <baseUrl> <transport>");

async function http(method, path, body, token) {
  const headers = { "content-type": "application/json" };
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await fetch(base + path, { method, headers, body: body && JSON.stringify(body) });
  return { status: res.status, body: await res.json() };
}

async function guest(name, referralCode) {
  const signup = await http("POST", "/auth/guest", { name, gender: "female", referralCode });
  assert.equal(signup.status, 200);
  return { id: signup.body.userId, token: signup.body.sessionToken, body: signup.body };
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

/** Connects as the web client does: `auth.token`, then `auth` on every connect. */
async function connect(user) {
  const socket = io(base, { auth: { token: user.token }, transports: [transport], reconnection: false });
  socket.on("connect", () => socket.emit("auth", { sessionToken: user.token }));
  await once(socket, "auth:success");
  return socket;
}

let passed = 0;
async function step(title, body) {
  await body();
  passed += 1;
  console.log(`ok - ${title}`);
}

const matchmaker = await guest("Max");

await step("a connected target is told at once", async () => {
  const target = await guest("Tara");
  const socket = await connect(target);
  const code = (await http("POST", "/referral/generate", { targetUserId: target.id }, matchmaker.token)).body.referralCode;
  const arriving = once(socket, "referral:notification");
  const newcomer = await guest("Newton", code);
  assert.equal(newcomer.body.wasReferred, true);
  const pushed = await arriving;
  assert.equal(pushed.message, "Newton wants to connect with you!");
  assert.equal(pushed.notification.referredUserId, newcomer.id);
  assert.equal(pushed.notification.introducedByName, "Max");
  assert.equal(pushed.notification.read, false);
  socket.close();
});

await step("an offline target is told on auth", async () => {
  const target = await guest("Tess");
  const code = (await http("POST", "/referral/generate", { targetUserId: target.id }, matchmaker.token)).body.referralCode;
  const newcomer = await guest("Nia", code);
  const socket = io(base, { auth: { token: target.token }, transports: [transport], reconnection: false });
  const pushed = once(socket, "referral:notification");
  socket.on("connect", () => socket.emit("auth", { sessionToken: target.token }));
  const notification = await pushed;
  assert.equal(notification.message, "Nia wants to connect with you!");
  assert.equal(notification.notification.referredUserId, newcomer.id);
  socket.close();
});

console.log(`${transport}: ${passed} passed, 0 failed`);
process.exit(0);
