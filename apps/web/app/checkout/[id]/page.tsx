import type { Metadata } from "next";
import { notFound } from "next/navigation";

import { getCourse } from "@/lib/server-api";

import { Checkout } from "./Checkout";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Checkout" };

type Params = Promise<{ id: string }>;

export default async function CheckoutPage({ params }: { params: Params }) {
  const course = await getCourse((await params).id);
  if (!course) notFound();
  return (
    <Checkout courseId={course.id} title={course.title} price={course.price} currency={course.currency} />
  );
}
