import type { Metadata } from "next";

import { StudioView } from "./StudioView";

export const metadata: Metadata = { title: "Teacher studio" };

export default function StudioPage() {
  return <StudioView />;
}
