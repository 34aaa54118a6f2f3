// End-to-end: presence broadcasts seen by one observer while many users of the official
// socket.io-client move at once.
// Usage: node presence.mjs <baseUrl> <websocket|polling> <users> <rounds> <cut> <tickMs> <graceMs> <minHistorySeconds>
//   users: even number of users besides the observer; rounds: call rounds (new pairs each);
//   cut: users whose connection is cut at the end; tickMs: the server's --presence-interval;
//   graceMs: its --disconnect-grace; minHistorySeconds: its --min-history-call-seconds.
//
// The observer builds its view of every user only from `presence:update` and `queue:update`.
// Phases, each with every user acting at once:
//   1. presence:join + queue:join           -> observer sees all (online, available)
//   2. half the users invite the other half -> observer sees all unavailable     } `rounds`
//   3. calls end; history is there at session:finalized; all re-join the queue   } times
//   4. `cut` connections closed under the client's feet -> observer sees exactly those go
//      offline, not before the grace period and not long after it.
// Within a phase every update must be a state the phase allows, and once a user has reached
// the phase's final state nothing may contradict it. Prints `presence over <transport>:
// N passed, M failed` and exits non-zero on any failure.
import assert from "node:assert/strict";
import { clientSocket, httpClient } from "./lib.mjs";

const [base, transport, ...numbers] = process.argv.slice(2);
const [userCount, rounds, cutCount, tickMs, graceMs, minHistorySeconds] = numbers.map(Number);
assert.ok(
  base &&
    ["websocket", "polling"].includes(transport) &&
    [userCount, rounds, cutCount, tickMs, graceMs, minHistorySeconds].every((n) => Number.isInteger(n) && n > 0) &&
    userCount % 2 === 0 &&
    rounds <= userCount / 2 &&
    cutCount < userCount,
  "usage: <baseUrl> <transport> <users (even)> <rounds (<= users/2)> <cut (< users)> <tickMs> <graceMs> <minHistorySeconds>",
);

// "Within a few ticks": the server coalesces per tick and spreads a tick's broadcast over the
// next one; the rest is room for two busy cores (the server, 31 clients and other tests).
const CONVERGE_MS = 8 * tickMs;
// After a phase has converged, late or out-of-order updates would still arrive within this.
const SETTLE_MS = 3 * tickMs;
// An offline announcement is due once the grace has run: the server's timers and its tick
// may each add up to a tick, the spread broadcast about one more.
const OFFLINE_EARLIEST_MS = graceMs - tickMs;
const OFFLINE_LATEST_MS = graceMs + 5 * tickMs;
// Hard protocol steps (notify, call:start, session:finalized) that do not come in this long
// abort the run: nothing after them would mean anything.
const EVENT_TIMEOUT_MS = 10_000;

const http = httpClient(base);
const now = () => performance.now();
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

// ---- checks -----------------------------------------------------------------------------

let passed = 0;
let failed = 0;

/** One check per item of `items`; one output line for all of them, naming those that failed. */
function checkEach(title, items, verdict) {
  const failures = [];
  for (const item of items) {
    const problem = verdict(item);
    if (problem) failures.push(problem);
  }
  passed += items.length - failures.length;
  failed += failures.length;
  if (failures.length === 0) {
    console.log(`ok - ${title} (${items.length})`);
  } else {
    console.log(`not ok - ${title}: ${failures.length} of ${items.length} failed`);
    for (const f of failures.slice(0, 12)) console.log(`    ${f}`);
    if (failures.length > 12) console.log(`    ... and ${failures.length - 12} more`);
  }
}

// ---- clients ----------------------------------------------------------------------------

const PRESENCE_EVENTS = new Set(["presence:update", "queue:update"]);
/** userId -> user, for every user but the observer. */
const byId = new Map();

/**
 * A guest with a socket opened as the web client opens it. Every event it receives is kept
 * (with its arrival time) until `next` takes it, except the presence broadcasts, which only
 * the observer looks at (through `onPresence`): 30 users x hundreds of them would only pile up.
 */
async function user(name, gender, onPresence) {
  const signup = await http("POST", "/auth/guest", { body: { name, gender } });
  assert.equal(signup.status, 200, `${name}: signup answered ${signup.status} ${JSON.stringify(signup.body)}`);
  const u = { name, id: signup.body.userId, token: signup.body.sessionToken, events: [], waiters: [] };
  // Known to the observer before its socket exists, so its very first broadcast counts.
  if (!onPresence) byId.set(u.id, u);
  u.socket = clientSocket(base, transport, u.token);
  u.socket.onAny((event, payload) => {
    const at = now();
    if (PRESENCE_EVENTS.has(event)) {
      onPresence?.(event, payload, at);
      return;
    }
    const entry = { event, payload, at };
    const waiter = u.waiters.find((w) => w.matches(entry));
    if (waiter) waiter.take(entry);
    else u.events.push(entry);
  });
  // Once for the handshake's `auth.token`, once for the `auth` event sent on connect.
  await next(u, "auth:success");
  await next(u, "auth:success");
  return u;
}

/** The next `event` (matching `pred`) `u` receives, already kept or still to come. */
function next(u, event, pred = () => true) {
  const matches = (e) => e.event === event && pred(e.payload);
  const kept = u.events.findIndex(matches);
  if (kept >= 0) return Promise.resolve(u.events.splice(kept, 1)[0].payload);
  return new Promise((resolve, reject) => {
    const waiter = {
      matches,
      take(entry) {
        clearTimeout(timer);
        u.waiters.splice(u.waiters.indexOf(waiter), 1);
        resolve(entry.payload);
      },
    };
    const timer = setTimeout(() => {
      u.waiters.splice(u.waiters.indexOf(waiter), 1);
      const got = u.events.map((e) => e.event);
      reject(new Error(`${u.name}: no ${event} within ${EVENT_TIMEOUT_MS} ms; holding ${JSON.stringify(got)}`));
    }, EVENT_TIMEOUT_MS);
    u.waiters.push(waiter);
  });
}

// ---- the observer's view ----------------------------------------------------------------

const ONLINE_AVAILABLE = { online: true, available: true };
const ONLINE_BUSY = { online: true, available: false };
const OFFLINE = { online: false, available: false };

const fmt = (s) => (s ? `(online ${s.online}, available ${s.available})` : "(nothing)");
const same = (a, b) => a !== undefined && a.online === b.online && a.available === b.available;

/** userId -> the user's state as the observer was told it; an absent half stays undefined. */
const view = new Map();
/** Every presence broadcast about a user, in arrival order: {at, event, userId, online?, available}. */
const log = [];
/** The phase being watched (see `watch`); it sees each update as it arrives. */
let phase = null;

function observed(event, payload, at) {
  const u = byId.get(payload?.userId);
  if (!u) return; // the observer itself, or a user of another script
  const entry = { at, event, userId: u.id, available: payload.available };
  const state = { ...view.get(u.id) };
  if (event === "presence:update") {
    entry.online = payload.online;
    state.online = payload.online;
  }
  state.available = payload.available;
  view.set(u.id, state);
  log.push(entry);
  phase?.see(entry);
}

/**
 * Starts watching a phase: `expect(u)` is the state every user must end in, `allowed(u)` the
 * states an update about it may carry meanwhile. A `presence:update` carries a whole state; a
 * `queue:update` only `available`, so it is judged on that half (the two halves of one tick
 * may come in either order).
 */
function watch(name, users, expect, allowed) {
  const p = { name, startedAt: now(), reachedAt: new Map(), bad: new Map(), wake: null };
  const judge = (u, entry) => {
    const states = allowed(u);
    const want = expect(u);
    const fits =
      entry.event === "presence:update"
        ? states.some((s) => same(entry, s))
        : states.some((s) => s.available === entry.available);
    const contradicts =
      entry.event === "presence:update" ? !same(entry, want) : entry.available !== want.available;
    const told = entry.event === "presence:update" ? fmt(entry) : `(available ${entry.available})`;
    if (!fits) return `${entry.event} ${told}, which this phase never goes through`;
    if (p.reachedAt.has(u.id) && contradicts) return `${entry.event} ${told} after it had reached ${fmt(want)}`;
    return null;
  };
  p.see = (entry) => {
    const u = byId.get(entry.userId);
    if (!users.includes(u)) return;
    const problem = judge(u, entry);
    if (problem && !p.bad.has(u.id)) p.bad.set(u.id, `${u.name}: ${problem}`);
    if (!p.reachedAt.has(u.id) && same(view.get(u.id), expect(u))) p.reachedAt.set(u.id, entry.at);
    p.wake?.();
  };
  for (const u of users) {
    if (same(view.get(u.id), expect(u))) p.reachedAt.set(u.id, p.startedAt);
  }
  /** Resolves once every user has reached its final state, or at `deadline` (a `now()`). */
  p.until = (deadline) =>
    new Promise((resolve) => {
      const finish = () => {
        clearTimeout(timer);
        p.wake = null;
        resolve();
      };
      const timer = setTimeout(finish, Math.max(0, deadline - now()));
      p.wake = () => {
        if (p.reachedAt.size === users.length) finish();
      };
      p.wake();
    });
  phase = p;
  return p;
}

/**
 * The two checks of a converging phase: every user reached `expect` by `deadline`; and, after
 * a settling wait for stragglers, no update contradicted the phase and the view still holds
 * `expect`.
 */
async function converge(p, users, expect, from, deadline, what) {
  await p.until(deadline);
  const slowest = Math.max(0, ...users.map((u) => (p.reachedAt.get(u.id) ?? Infinity) - from));
  const took = Number.isFinite(slowest) ? `, slowest ${Math.round(slowest)} ms` : "";
  checkEach(`${p.name}: the observer sees ${what} within ${Math.round(deadline - from)} ms${took}`, users, (u) => {
    const at = p.reachedAt.get(u.id);
    if (at !== undefined && at <= deadline) return null;
    return `${u.name}: still ${fmt(view.get(u.id))}, expected ${fmt(expect(u))}`;
  });
  await sleep(SETTLE_MS);
  checkEach(`${p.name}: nothing contradicts it afterwards (${SETTLE_MS} ms later)`, users, (u) => {
    if (p.bad.has(u.id)) return p.bad.get(u.id);
    if (!same(view.get(u.id), expect(u))) return `${u.name}: ends at ${fmt(view.get(u.id))}, expected ${fmt(expect(u))}`;
    return null;
  });
}

// ---- the scenario -----------------------------------------------------------------------

const GENDERS = ["female", "male", "nonbinary"];
const observer = await user("Observer", "female", observed);
const users = await Promise.all(
  Array.from({ length: userCount }, (_, i) => user(`User${i + 1}`, GENDERS[i % GENDERS.length])),
);

/** Phase 1: everybody joins presence and the queue at once, as the web client does on auth. */
async function queueJoins() {
  // The users are authenticated (online, unavailable) already; the observer may or may not
  // have been told so yet, so that state is allowed on the way.
  const p = watch("phase 1, queue joins", users, () => ONLINE_AVAILABLE, () => [ONLINE_BUSY, ONLINE_AVAILABLE]);
  const from = now();
  for (const u of users) {
    // presence:join first, as the web client: it resets availability, queue:join sets it.
    u.socket.emit("presence:join");
    u.socket.emit("queue:join");
  }
  await converge(p, users, () => ONLINE_AVAILABLE, from, from + CONVERGE_MS, "every user online and available");
}

/** Round `r` (0-based): user i of the first half calls user (i + r) of the second half. */
function pairsOf(r) {
  const half = userCount / 2;
  return Array.from({ length: half }, (_, i) => ({ caller: users[i], callee: users[half + ((i + r) % half)] }));
}

async function callsStart(r, pairs) {
  const p = watch(`round ${r + 1}, calls start`, users, () => ONLINE_BUSY, () => [ONLINE_AVAILABLE, ONLINE_BUSY]);
  await Promise.all(
    pairs.map(async (pair) => {
      const { caller, callee } = pair;
      caller.socket.emit("call:invite", { toUserId: callee.id, requestedSeconds: 60 });
      const notify = await next(callee, "call:notify", (n) => (n.fromUser?.userId ?? n.fromUserId) === caller.id);
      callee.socket.emit("call:accept", { inviteId: notify.inviteId, requestedSeconds: 60 });
      const [a, b] = await Promise.all([next(caller, "call:start"), next(callee, "call:start")]);
      assert.equal(a.roomId, b.roomId, `${caller.name} and ${callee.name} were put in different rooms`);
      pair.roomId = a.roomId;
      caller.socket.emit("room:join", { roomId: a.roomId });
      callee.socket.emit("room:join", { roomId: a.roomId });
    }),
  );
  // Both flags were set before call:start went out, so the broadcast is due from here.
  const from = now();
  await converge(p, users, () => ONLINE_BUSY, from, from + CONVERGE_MS, "every user unavailable");
  return from;
}

async function callsEnd(r, pairs, startedAt) {
  // A call shorter than the server's minimum leaves no history. The server started every call
  // before its call:start was sent, and measures the end after call:end arrives; the margin
  // covers Node timers firing a millisecond early.
  await sleep(startedAt + minHistorySeconds * 1000 + 50 - now());
  const p = watch(`round ${r + 1}, calls end`, users, () => ONLINE_AVAILABLE, () => [ONLINE_BUSY, ONLINE_AVAILABLE]);
  // Each participant reads its history the moment its session:finalized arrives: that is
  // what the web client does, so the call must already be there.
  const finalizedThenHistory = (u, peer, roomId) =>
    next(u, "session:finalized").then(async (finalized) => {
      const history = await http("GET", "/room/history", { token: u.token });
      return { u, peer, roomId, finalized, history };
    });
  const reads = pairs.flatMap(({ caller, callee, roomId }) => [
    finalizedThenHistory(caller, callee, roomId),
    finalizedThenHistory(callee, caller, roomId),
  ]);
  for (const { caller, roomId } of pairs) caller.socket.emit("call:end", { roomId });
  const results = await Promise.all(reads);
  checkEach(`round ${r + 1}, calls end: each participant's history holds the call at session:finalized`, results, (x) => {
    if (x.history.status !== 200) return `${x.u.name}: GET /room/history answered ${x.history.status}`;
    const entries = x.history.body.history ?? [];
    const entry = entries.find((e) => e.roomId === x.roomId);
    if (!entry) return `${x.u.name}: room ${x.roomId} (with ${x.peer.name}) missing from ${entries.length} entries`;
    if (entry.partnerId !== x.peer.id) return `${x.u.name}: room ${x.roomId} lists partner ${entry.partnerId}, not ${x.peer.name}`;
    if (x.finalized?.sessionId !== undefined && entry.sessionId !== x.finalized.sessionId)
      return `${x.u.name}: history's session ${entry.sessionId} is not the finalized ${x.finalized.sessionId}`;
    if (entries.length !== r + 1) return `${x.u.name}: ${entries.length} history entries after ${r + 1} calls`;
    return null;
  });
  // The call left everybody online but unavailable; back to the queue, all at once.
  const from = now();
  for (const u of users) u.socket.emit("queue:join");
  await converge(p, users, () => ONLINE_AVAILABLE, from, from + CONVERGE_MS, "every user available again");
}

async function cutConnections() {
  // Spread over both halves of the pairing; the others stay connected and queued.
  const step = Math.floor(userCount / cutCount);
  const cut = users.filter((_, i) => i % step === 0).slice(0, cutCount);
  const kept = users.filter((u) => !cut.includes(u));
  const isCut = (u) => cut.includes(u);
  const expect = (u) => (isCut(u) ? OFFLINE : ONLINE_AVAILABLE);
  const p = watch("connections cut", users, expect, (u) => (isCut(u) ? [ONLINE_AVAILABLE, OFFLINE] : [ONLINE_AVAILABLE]));
  for (const u of cut) {
    u.cutAt = now();
    // The transport goes away without a Socket.IO DISCONNECT: a WebSocket close, or the
    // Engine.IO close packet over polling, as a tab that is killed or loses its network.
    u.socket.io.engine.close();
  }
  const lastCut = Math.max(...cut.map((u) => u.cutAt));
  await p.until(lastCut + OFFLINE_LATEST_MS);
  checkEach(
    `connections cut: each cut user is announced offline ${OFFLINE_EARLIEST_MS}-${OFFLINE_LATEST_MS} ms after its cut`,
    cut,
    (u) => {
      const offline = log.find((e) => e.userId === u.id && e.event === "presence:update" && e.online === false && e.at >= p.startedAt);
      if (!offline) return `${u.name}: no presence:update offline within ${OFFLINE_LATEST_MS} ms`;
      const after = Math.round(offline.at - u.cutAt);
      if (after < OFFLINE_EARLIEST_MS) return `${u.name}: offline after ${after} ms, before the ${graceMs} ms grace`;
      if (after > OFFLINE_LATEST_MS) return `${u.name}: offline only after ${after} ms`;
      if (!same(offline, OFFLINE)) return `${u.name}: announced ${fmt(offline)}`;
      return null;
    },
  );
  const delays = cut
    .map((u) => log.find((e) => e.userId === u.id && e.event === "presence:update" && e.online === false && e.at >= p.startedAt))
    .filter(Boolean)
    .map((e) => Math.round(e.at - byId.get(e.userId).cutAt));
  if (delays.length) console.log(`    offline announced ${Math.min(...delays)}-${Math.max(...delays)} ms after the cut`);
  await sleep(SETTLE_MS);
  checkEach("connections cut: nobody else is announced offline", kept, (u) => {
    const offline = log.find((e) => e.userId === u.id && e.at >= p.startedAt && e.online === false);
    return offline ? `${u.name}: announced offline ${Math.round(offline.at - lastCut)} ms after the cuts` : null;
  });
  checkEach("connections cut: nothing contradicts the final states", users, (u) => {
    if (p.bad.has(u.id)) return p.bad.get(u.id);
    if (!same(view.get(u.id), expect(u))) return `${u.name}: ends at ${fmt(view.get(u.id))}, expected ${fmt(expect(u))}`;
    return null;
  });
  return kept;
}

let aborted = null;
let connected = users;
try {
  await queueJoins();
  for (let r = 0; r < rounds; r++) {
    const pairs = pairsOf(r);
    const startedAt = await callsStart(r, pairs);
    await callsEnd(r, pairs, startedAt);
  }
  connected = await cutConnections();
} catch (error) {
  aborted = error;
  failed += 1;
  console.log(`not ok - aborted: ${error.stack ?? error}`);
}

for (const u of [observer, ...connected]) u.socket.close();
console.log(`presence over ${transport}: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 && !aborted ? 0 : 1);
