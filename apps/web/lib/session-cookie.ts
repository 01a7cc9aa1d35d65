import "server-only";

import type { NextRequest } from "next/server";

import { writeApiUrl } from "./server-api";

// The refresh token lives only in this cookie: httpOnly (no page script can read it, so an
// injected script cannot steal the session), SameSite=Strict (never sent by another site's
// request) and scoped to the three route handlers that use it.
export const REFRESH_COOKIE = "edu_refresh";
const COOKIE_PATH = "/api/auth";
// The API's refresh tokens live 30 days by default; the cookie never outlives that.
const COOKIE_MAX_AGE_SECONDS = 30 * 24 * 3600;

interface TokenPair {
  access_token: string;
  refresh_token: string;
  token_type: string;
  expires_in: number;
}

function isSecure(request: NextRequest): boolean {
  const forwarded = request.headers.get("x-forwarded-proto");
  return (forwarded ?? request.nextUrl.protocol.replace(":", "")) === "https";
}

function cookieHeader(request: NextRequest, value: string, maxAge: number): string {
  const parts = [
    `${REFRESH_COOKIE}=${value}`,
    `Path=${COOKIE_PATH}`,
    `Max-Age=${maxAge}`,
    "HttpOnly",
    "SameSite=Strict",
  ];
  if (isSecure(request)) parts.push("Secure");
  return parts.join("; ");
}

export function clearedCookie(request: NextRequest): string {
  return cookieHeader(request, "", 0);
}

/** Refuses a cross-site call (an Origin other than ours) on top of SameSite=Strict. */
export function crossSite(request: NextRequest): Response | null {
  const origin = request.headers.get("origin");
  if (origin === null) return null;
  const host = request.headers.get("x-forwarded-host") ?? request.headers.get("host");
  try {
    if (new URL(origin).host === host) return null;
  } catch {
    // an unparsable Origin is refused below
  }
  return Response.json(
    { error: { code: "cross_site_request", message: "This request must come from the app itself." } },
    { status: 403 },
  );
}

/** Posts a JSON body to the write API; an unreachable API answers 502 like the proxy. */
export async function postToWriteApi(path: string, body: unknown): Promise<Response> {
  try {
    return await fetch(`${writeApiUrl()}${path}`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify(body),
      cache: "no-store",
    });
  } catch {
    return Response.json(
      { error: { code: "upstream_unavailable", message: "The platform API cannot be reached." } },
      { status: 502 },
    );
  }
}

/** Answers the browser with the access token only; the refresh token goes into the cookie. */
export async function sessionAnswer(request: NextRequest, upstream: Response): Promise<Response> {
  if (!upstream.ok) {
    const headers = new Headers({ "Content-Type": "application/json" });
    // A refused refresh means the session is over: forget the cookie too.
    if (upstream.status === 401 || upstream.status === 403) {
      headers.append("Set-Cookie", clearedCookie(request));
    }
    const retryAfter = upstream.headers.get("retry-after");
    if (retryAfter) headers.set("Retry-After", retryAfter);
    return new Response(await upstream.text(), { status: upstream.status, headers });
  }
  const pair = (await upstream.json()) as TokenPair;
  const headers = new Headers({
    "Content-Type": "application/json",
    "Cache-Control": "no-store",
    "Set-Cookie": cookieHeader(
      request,
      pair.refresh_token,
      COOKIE_MAX_AGE_SECONDS,
    ),
  });
  return new Response(
    JSON.stringify({
      access_token: pair.access_token,
      token_type: pair.token_type,
      expires_in: pair.expires_in,
    }),
    { status: 200, headers },
  );
}
