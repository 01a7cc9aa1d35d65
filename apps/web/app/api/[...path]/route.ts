import type { NextRequest } from "next/server";

import { readApiUrl, writeApiUrl } from "@/lib/server-api";

// One origin for the browser, like the gateway: queries go to the read API, commands to the write
// API. Rewrites cannot route by method, hence this handler.

export const dynamic = "force-dynamic";

// Hop-by-hop headers (RFC 9110 §7.6.1) and those fetch sets itself are not forwarded.
const DROPPED_REQUEST_HEADERS = new Set([
  "connection",
  "keep-alive",
  "proxy-authenticate",
  "proxy-authorization",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
  "host",
  "content-length",
  "accept-encoding",
  // The session cookie is for the /api/auth route handlers only; the APIs never see it.
  "cookie",
]);
// fetch has already decoded the body, so its encoding and length no longer hold.
const DROPPED_RESPONSE_HEADERS = new Set([
  "connection",
  "keep-alive",
  "transfer-encoding",
  "content-encoding",
  "content-length",
]);

function upstreamBase(method: string): string {
  return method === "GET" || method === "HEAD" ? readApiUrl() : writeApiUrl();
}

async function forward(request: NextRequest): Promise<Response> {
  const { pathname, search } = request.nextUrl;
  const target = `${upstreamBase(request.method)}${pathname}${search}`;

  const headers = new Headers();
  request.headers.forEach((value, name) => {
    if (!DROPPED_REQUEST_HEADERS.has(name)) headers.set(name, value);
  });

  const hasBody = request.method !== "GET" && request.method !== "HEAD";
  let upstream: Response;
  try {
    upstream = await fetch(target, {
      method: request.method,
      headers,
      body: hasBody ? await request.arrayBuffer() : undefined,
      redirect: "manual",
      cache: "no-store",
      // Aborted when the browser goes away, so an event stream's upstream ends with it.
      signal: request.signal,
    });
  } catch {
    return Response.json(
      { error: { code: "upstream_unavailable", message: "The platform API cannot be reached." } },
      { status: 502 },
    );
  }

  const responseHeaders = new Headers();
  upstream.headers.forEach((value, name) => {
    if (!DROPPED_RESPONSE_HEADERS.has(name)) responseHeaders.append(name, value);
  });
  // The body is streamed through, so server-sent events keep flowing. A stream never finishes,
  // so its connection is not kept alive for reuse: when the page cancels it, a browser would
  // otherwise try to read the rest of the body to reuse the socket ("draining") and keep one of
  // its six connections to this origin busy meanwhile; with `Connection: close` the cancel
  // closes the socket at once (and request.signal then ends the upstream stream).
  if (upstream.headers.get("content-type")?.startsWith("text/event-stream")) {
    responseHeaders.set("connection", "close");
  }
  return new Response(upstream.body, {
    status: upstream.status,
    statusText: upstream.statusText,
    headers: responseHeaders,
  });
}

export {
  forward as GET,
  forward as HEAD,
  forward as POST,
  forward as PUT,
  forward as PATCH,
  forward as DELETE,
  forward as OPTIONS,
};
