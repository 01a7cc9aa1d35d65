import type { Metadata } from "next";

import { ProjectionsView } from "./ProjectionsView";

export const metadata: Metadata = { title: "Projections" };

export default function AdminProjectionsPage() {
  return <ProjectionsView />;
}
