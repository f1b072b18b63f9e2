// GET /images/:id[?size=thumb|medium|original]: an uploaded image, to signed-in users allowed to
// see it (findVisibleImage). Everyone else, signed out included, gets the same 404 as for an id that
// does not exist, so image ids of other businesses cannot be probed — except the organization's logo,
// which is public branding (the header, e-mails read without cookies).
// The bytes behind an id never change (a new upload is a new id), so the answer may be cached for a
// year; "private" keeps shared caches out of it since access depends on who asks. The organization's
// logo may sit in shared caches (an e-mail provider's image proxy) for a day: a removed logo leaves
// them within a day.
import { getAuth } from "../accounts/auth.server.ts";
import { withDatabase } from "../platform/database.server.ts";
import { requestInfo } from "../platform/request-info.ts";
import type { Route } from "./+types/image-route";
import { findVisibleImage, type ImageSize } from "./images.server.ts";
import { imageBody } from "./renditions.server.ts";

const sizes: readonly ImageSize[] = ["thumb", "medium", "original"];
const ID = /^[0-9a-f-]{36}$/;

export async function loader({ request, params, context }: Route.LoaderArgs) {
  const { env, requestId } = context.get(requestInfo);
  const auth = getAuth(context);
  if (auth.status === "unavailable") {
    return new Response("The database is unavailable; try again shortly.\n", {
      status: 503,
      headers: { "Retry-After": "30", "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store" },
    });
  }
  const requested = new URL(request.url).searchParams.get("size") ?? "original";
  const size = sizes.find((candidate) => candidate === requested);
  if (!ID.test(params.id) || !size) return notFound(requestId);

  const viewerId = auth.status === "signed-in" ? auth.user.id : null;
  const image = await withDatabase(context, (db) => findVisibleImage(db, params.id, viewerId));
  if (!image) return notFound(requestId);

  const etag = `"${image.sha256}-${size}"`;
  const cacheHeaders: Record<string, string> = image.public
    ? { "Cache-Control": "public, max-age=86400", ETag: etag }
    : { "Cache-Control": "private, max-age=31536000, immutable", ETag: etag, Vary: "Cookie" };
  if (matchesEtag(request.headers.get("If-None-Match"), etag)) {
    return new Response(null, { status: 304, headers: cacheHeaders });
  }

  const found = await imageBody(env, image, size);
  if (!found) return notFound(requestId);
  return new Response(found.body, {
    headers: {
      // A placeholder is not the image's bytes at that size: no ETag, and asked again tomorrow.
      ...((found.rendition === "placeholder"
        ? image.public
          ? { "Cache-Control": "public, max-age=86400" }
          : { "Cache-Control": "private, max-age=86400", Vary: "Cookie" }
        : cacheHeaders) as Record<string, string>),
      "Content-Type": found.contentType,
      "Content-Length": String(found.length),
      "Content-Disposition": "inline",
      "X-Content-Type-Options": "nosniff",
      // Which bytes were sent: the rendition asked for, the original when it is no larger, or a placeholder.
      "X-Image-Rendition": found.rendition,
    },
  });
}

function matchesEtag(header: string | null, etag: string): boolean {
  if (!header) return false;
  return header.split(",").some((value) => value.trim().replace(/^W\//, "") === etag || value.trim() === "*");
}

function notFound(requestId: string): Response {
  return new Response(`Not found. Request id: ${requestId}\n`, {
    status: 404,
    headers: { "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store" },
  });
}
