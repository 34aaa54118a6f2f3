// End-to-end: the official socket.io-client (what the web client uses) against napalmsky.
// Usage: node speed-date.mjs <baseUrl> <websocket|polling> <server's --min-history-call-seconds>
// Drives three users from signup to session:finalized and checks every payload field.
import assert from "node:assert/strict";
import { io } from "socket.io-client";

const [base, transport, minHistoryArg] = process.argv.slice(2);
const minHistorySeconds = Number(minHistoryArg);
assert.ok(
  base && ["websocket", "polling"].includes(transport) && Number.isInteger(minHistorySeconds) && minHistorySeconds > 0,
  "usage: <baseUrl> <transport> <minHistorySeconds>",
);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function http(method, path, body, token) {
  const headers = { "content-type": "application/json" };
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await fetch(base + path, { method, headers, body: body && JSON.stringify(body) });
  return { status: res.status, body: await res.json() };
}

/** A user with a socket that records every event it receives. */
async function user(name, gender) {
  const signup = await http("POST", "/auth/guest", { name, gender });
  assert.equal(signup.status, 200);
  const u = { name, id: signup.body.userId, token: signup.body.sessionToken, events: [], waiters: [] };
  u.socket = io(base, { auth: { token: u.token }, transports: [transport], reconnection: false });
  u.socket.onAny((event, payload) => {
    u.events.push({ event, payload });
    u.waiters = u.waiters.filter((w) => !w(event, payload));
  });
  // The web client also emits `auth` on every connect.
  u.socket.on("connect", () => u.socket.emit("auth", { sessionToken: u.token }));
  await next(u, "auth:success");
  await next(u, "auth:success");
  return u;
}

/** The next `event` (optionally matching `pred`) this user receives, or a failure after 8 s. */
function next(u, event, pred = () => true) {
  const seen = u.events.findIndex((e) => e.event === event && pred(e.payload));
  if (seen >= 0) return Promise.resolve(u.events.splice(seen, 1)[0].payload);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${u.name}: no ${event} within 8 s; got ${JSON.stringify(u.events.map((e) => e.event))}`)), 8000);
    u.waiters.push((e, payload) => {
      if (e !== event || !pred(payload)) return false;
      clearTimeout(timer);
      u.events.splice(u.events.findIndex((x) => x.payload === payload && x.event === e), 1);
      resolve(payload);
      return true;
    });
  });
}

let passed = 0;
async function step(title, body) {
  await body();
  passed += 1;
  console.log(`ok - ${title}`);
}

const ann = await user("Ann", "female");
const bob = await user("Bob", "male");
const cy = await user("Cy", "nonbinary");
let roomId;

await step("presence and queue joins are broadcast (coalesced)", async () => {
  for (const u of [ann, bob, cy]) {
    u.socket.emit("presence:join");
    u.socket.emit("queue:join");
  }
  const update = await next(ann, "queue:update", (p) => p.userId === bob.id && p.available === true);
  assert.deepEqual(update, { userId: bob.id, available: true });
  const presence = await next(ann, "presence:update", (p) => p.userId === cy.id);
  // Coalescing: `available` is whatever Cy's state was at the tick that announced it online.
  assert.deepEqual(presence, { userId: cy.id, online: true, available: presence.available });
  assert.equal(typeof presence.available, "boolean");
});

await step("GET /room/queue lists the others with every field", async () => {
  const queue = await http("GET", "/room/queue", null, ann.token);
  assert.equal(queue.status, 200);
  assert.equal(queue.body.totalAvailable, 2);
  const ids = queue.body.users.map((u) => u.userId).sort();
  assert.deepEqual(ids, [bob.id, cy.id].sort());
  const b = queue.body.users.find((u) => u.userId === bob.id);
  assert.deepEqual(b, { userId: bob.id, name: "Bob", gender: "male", hasCooldown: false, cooldownExpiry: null, wasIntroducedToMe: false, introducedBy: null });
});

await step("invite -> call:notify with the caller's card", async () => {
  ann.socket.emit("call:invite", { toUserId: bob.id, requestedSeconds: 60 });
  const notify = await next(bob, "call:notify");
  assert.match(notify.inviteId, UUID);
  assert.deepEqual(notify.fromUser, { userId: ann.id, name: "Ann", gender: "female" });
  assert.equal(notify.requestedSeconds, 60);
  assert.equal(notify.ttlMs, 20000);
  bob.annInvite = notify.inviteId;
});

await step("a second invite to the same callee is notified too", async () => {
  cy.socket.emit("call:invite", { toUserId: bob.id, requestedSeconds: 300 });
  const notify = await next(bob, "call:notify", (p) => p.fromUser.userId === cy.id);
  bob.cyInvite = notify.inviteId;
});

await step("invalid invites are declined with the original's reasons", async () => {
  ann.socket.emit("call:invite", { toUserId: ann.id, requestedSeconds: 60 });
  assert.equal((await next(ann, "call:declined")).reason, "invalid_target");
  ann.socket.emit("call:invite", { toUserId: cy.id, requestedSeconds: 5 });
  assert.equal((await next(ann, "call:declined")).reason, "invalid_duration");
  ann.socket.emit("call:invite", { toUserId: "00000000-0000-4000-8000-000000000000", requestedSeconds: 60 });
  assert.equal((await next(ann, "call:declined")).reason, "user_not_found");
});

await step("only the invitee may accept", async () => {
  cy.socket.emit("call:accept", { inviteId: bob.annInvite, requestedSeconds: 60 });
  const err = await next(cy, "error");
  assert.equal(typeof err.message, "string");
});

await step("accept -> call:start for both; the other pending invite is withdrawn", async () => {
  bob.socket.emit("call:accept", { inviteId: bob.annInvite, requestedSeconds: 120 });
  const a = await next(ann, "call:start");
  const b = await next(bob, "call:start");
  assert.match(a.roomId, UUID);
  assert.equal(a.roomId, b.roomId);
  assert.deepEqual(a, { roomId: a.roomId, agreedSeconds: 90, isInitiator: true, peerUser: { userId: bob.id, name: "Bob" } });
  assert.deepEqual(b, { roomId: a.roomId, agreedSeconds: 90, isInitiator: false, peerUser: { userId: ann.id, name: "Ann" } });
  roomId = a.roomId;
  const declined = await next(cy, "call:declined", (p) => p.inviteId === bob.cyInvite);
  assert.equal(declined.reason, "offline");
  // Bob's own notification of Cy's invite is closed too.
  assert.deepEqual(await next(bob, "call:rescinded"), { inviteId: bob.cyInvite });
});

await step("rtc relay reaches only the peer, with from", async () => {
  ann.socket.emit("room:join", { roomId });
  bob.socket.emit("room:join", { roomId });
  ann.socket.emit("rtc:offer", { roomId, offer: { type: "offer", sdp: "v=0 a" } });
  assert.deepEqual(await next(bob, "rtc:offer"), { offer: { type: "offer", sdp: "v=0 a" }, from: ann.id });
  bob.socket.emit("rtc:answer", { roomId, answer: { type: "answer", sdp: "v=0 b" } });
  assert.deepEqual(await next(ann, "rtc:answer"), { answer: { type: "answer", sdp: "v=0 b" }, from: bob.id });
  ann.socket.emit("rtc:ice", { roomId, candidate: { candidate: "c1" } });
  assert.deepEqual(await next(bob, "rtc:ice"), { candidate: { candidate: "c1" }, from: ann.id });
  cy.socket.emit("rtc:offer", { roomId, offer: { sdp: "intruder" } });
  await next(cy, "error");
});

await step("room chat is sanitised and reaches both; socials are shared", async () => {
  ann.socket.emit("room:chat", { roomId, text: "  <b>hi</b> there  " });
  for (const u of [ann, bob]) {
    const msg = await next(u, "room:chat");
    assert.equal(msg.from, ann.id);
    assert.equal(msg.text, "hi there");
    assert.equal(msg.type, "message");
    assert.equal(typeof msg.timestamp, "number");
  }
  bob.socket.emit("room:giveSocial", { roomId, socials: { instagram: "@bob" } });
  for (const u of [ann, bob]) {
    const shared = await next(u, "room:socialShared");
    assert.deepEqual({ ...shared, timestamp: 0 }, { from: bob.id, timestamp: 0, type: "social", socials: { instagram: "@bob" } });
  }
});

await step("call:end -> session:finalized and metrics:update for both; history for both", async () => {
  // A call shorter than the server's minimum leaves no history. The server measured the start
  // before this client saw call:start and measures the end after this emit, so the call it
  // sees lasts at least this wait (plus a margin: Node timers may fire a millisecond early).
  await sleep(minHistorySeconds * 1000 + 50);
  ann.socket.emit("call:end", { roomId });
  const fa = await next(ann, "session:finalized");
  const fb = await next(bob, "session:finalized");
  assert.equal(fa.sessionId, fb.sessionId);
  for (const u of [ann, bob]) {
    const m = await next(u, "metrics:update");
    assert.equal(m.sessionCount, 1);
    assert.ok(m.timerTotalSeconds >= minHistorySeconds);
    assert.equal(m.lastSessions.length, 1);
    assert.equal(m.lastSessions[0].duration, m.timerTotalSeconds);
  }
  for (const [u, peer] of [[ann, bob], [bob, ann]]) {
    const h = await http("GET", "/room/history", null, u.token);
    assert.equal(h.status, 200);
    assert.equal(h.body.history.length, 1);
    const entry = h.body.history[0];
    assert.equal(entry.sessionId, fa.sessionId);
    assert.equal(entry.roomId, roomId);
    assert.equal(entry.partnerId, peer.id);
    assert.equal(entry.partnerName, peer.name);
    assert.deepEqual(entry.messages.map((m) => m.type), ["message", "social"]);
  }
  const me = await http("GET", "/room/me", null, ann.token);
  assert.equal(me.body.userId, ann.id);
  assert.ok(me.body.timerTotal >= minHistorySeconds);
});

await step("the pair is on cooldown afterwards, and the queue marks it", async () => {
  // Only updates sent after these joins count (older ones may still be buffered).
  cy.events = cy.events.filter((e) => e.event !== "queue:update");
  ann.socket.emit("queue:join");
  bob.socket.emit("queue:join");
  await next(cy, "queue:update", (p) => p.userId === bob.id && p.available);
  ann.socket.emit("call:invite", { toUserId: bob.id, requestedSeconds: 60 });
  assert.equal((await next(ann, "call:declined")).reason, "cooldown");
  const queue = await http("GET", "/room/queue", null, ann.token);
  const b = queue.body.users.find((u) => u.userId === bob.id);
  assert.equal(b.hasCooldown, true);
  assert.ok(b.cooldownExpiry > Date.now());
});

await step("decline -> call:declined user_declined to the caller", async () => {
  cy.socket.emit("call:invite", { toUserId: ann.id, requestedSeconds: 60 });
  const notify = await next(ann, "call:notify", (p) => p.fromUser.userId === cy.id);
  ann.socket.emit("call:decline", { inviteId: notify.inviteId });
  const declined = await next(cy, "call:declined");
  assert.deepEqual(declined, { inviteId: notify.inviteId, reason: "user_declined" });
});

await step("rescind -> call:rescinded to the callee", async () => {
  cy.socket.emit("call:invite", { toUserId: bob.id, requestedSeconds: 60 });
  const notify = await next(bob, "call:notify", (p) => p.fromUser.userId === cy.id);
  cy.socket.emit("call:rescind", { toUserId: bob.id });
  assert.deepEqual(await next(bob, "call:rescinded"), { inviteId: notify.inviteId });
});

await step("acks are answered", async () => {
  const answer = await cy.socket.timeout(5000).emitWithAck("presence:join");
  assert.equal(answer, undefined);
});

await step("a login elsewhere invalidates the old socket", async () => {
  const link = await http("POST", "/auth/link", { sessionToken: bob.token, email: `bob-${transport}@example.com`, password: "password1" });
  assert.equal(link.status, 200);
  const disconnected = new Promise((resolve) => bob.socket.on("disconnect", resolve));
  const login = await http("POST", "/auth/login", { email: `bob-${transport}@example.com`, password: "password1" });
  assert.equal(login.body.invalidatedCount, 1);
  const notice = await next(bob, "session:invalidated");
  assert.equal(notice.reason, "new_login");
  await disconnected;
  const refused = io(base, { auth: { token: bob.token }, transports: [transport], reconnection: false });
  const error = await new Promise((resolve) => refused.on("connect_error", resolve));
  assert.equal(error.message, "Session invalidated");
  refused.close();
});

await step("a disconnected user goes offline after the grace period", async () => {
  cy.socket.close();
  const offline = await next(ann, "presence:update", (p) => p.userId === cy.id && p.online === false);
  assert.deepEqual(offline, { userId: cy.id, online: false, available: false });
  const live = await http("GET", "/stats/live");
  assert.equal(live.body.onlineUsers, 1);
});

ann.socket.close();
console.log(`${transport}: ${passed} passed, 0 failed`);
process.exit(0);
