import type { Metadata } from "next";

import { DashboardView } from "./DashboardView";

export const metadata: Metadata = { title: "My learning" };

export default function DashboardPage() {
  return <DashboardView />;
}
