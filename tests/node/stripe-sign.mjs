// Prints the `Stripe-Signature` header the official `stripe` package makes for a payload, so
// the server's webhook check is tested against Stripe's own signing, not a copy of it.
//
// usage: node stripe-sign.mjs <payload> <secret> <unix-seconds>
import Stripe from 'stripe';

const [payload, secret, timestamp] = process.argv.slice(2);
if (payload === undefined || !secret || !/^\d+$/.test(timestamp ?? '')) {
  console.error('usage: node stripe-sign.mjs <payload> <secret> <unix-seconds>');
  process.exit(2);
}
const header = Stripe.webhooks.generateTestHeaderString({
  payload,
  secret,
  timestamp: Number(timestamp),
});
process.stdout.write(header);
