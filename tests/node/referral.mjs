// End-to-end: a referral notification reaches the official socket.io-client live, and on the
// `auth` event of a client that was offline when it was made.
// Usage: node referral.mjs <baseUrl> <websocket|polling>
import assert from "node:assert/strict";
import { clientSocket, httpClient, once, steps } from "./lib.mjs";

const [base, transport] = process.argv.slice(2);
assert.ok(base && ["websocket", "polling"].includes(transport), "usage: <baseUrl> <transport>");
const http = httpClient(base);
const { step, done } = steps();

async function guest(name, referralCode) {
  const signup = await http("POST", "/auth/guest", { body: { name, gender: "female", referralCode } });
  assert.equal(signup.status, 200);
  return { id: signup.body.userId, token: signup.body.sessionToken, body: signup.body };
}

async function introduce(target) {
  const made = await http("POST", "/referral/generate", { body: { targetUserId: target.id }, token: matchmaker.token });
  return made.body.referralCode;
}

const matchmaker = await guest("Max");

await step("a connected target is told at once", async () => {
  const target = await guest("Tara");
  const socket = clientSocket(base, transport, target.token);
  await once(socket, "auth:success");
  const code = await introduce(target);
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
  const newcomer = await guest("Nia", await introduce(target));
  const socket = clientSocket(base, transport, target.token);
  const pushed = await once(socket, "referral:notification");
  assert.equal(pushed.message, "Nia wants to connect with you!");
  assert.equal(pushed.notification.referredUserId, newcomer.id);
  socket.close();
});

done(transport);
