import type { NextRequest } from "next/server";

import { crossSite, postToWriteApi, sessionAnswer } from "@/lib/session-cookie";

export const dynamic = "force-dynamic";

/** Logs in through the write API and keeps the refresh token in the httpOnly cookie. */
export async function POST(request: NextRequest): Promise<Response> {
  const refused = crossSite(request);
  if (refused) return refused;
  let body: unknown;
  try {
    body = await request.json();
  } catch {
    return Response.json(
      { error: { code: "invalid_json", message: "The request body is not JSON." } },
      { status: 400 },
    );
  }
  return sessionAnswer(request, await postToWriteApi("/api/auth/login", body));
}
