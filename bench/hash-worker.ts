// A Worker with one job, for bench/auth.ts: hash a password with the app's own hashPassword, so the
// time measured is Argon2id inside workerd (its clocks stand still during pure CPU work, so the time is
// taken from outside, per request, minus an empty request's time).
import { hashPassword } from "../app/accounts/password.server.ts";

export default {
  async fetch(request: Request): Promise<Response> {
    if (new URL(request.url).pathname === "/hash") {
      const hash = await hashPassword("bench password for timing");
      return new Response(hash.slice(0, 30));
    }
    return new Response("ok");
  },
};
