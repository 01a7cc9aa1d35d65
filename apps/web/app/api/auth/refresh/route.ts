import type { NextRequest } from "next/server";

import {
  REFRESH_COOKIE,
  clearedCookie,
  crossSite,
  postToWriteApi,
  sessionAnswer,
} from "@/lib/session-cookie";

export const dynamic = "force-dynamic";

/** Trades the cookie's refresh token for a new pair (rotation): the new one replaces it. */
export async function POST(request: NextRequest): Promise<Response> {
  const refused = crossSite(request);
  if (refused) return refused;
  const token = request.cookies.get(REFRESH_COOKIE)?.value;
  if (!token) {
    return Response.json(
      { error: { code: "no_session", message: "You are not logged in." } },
      { status: 401, headers: { "Set-Cookie": clearedCookie(request) } },
    );
  }
  return sessionAnswer(
    request,
    await postToWriteApi("/api/auth/refresh", { refresh_token: token }),
  );
}
