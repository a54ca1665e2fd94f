import { AddPage, addMetadata } from "@/components/objects/pages";

export const metadata = addMetadata("tenant");

export default function Page() {
  return <AddPage kind="tenant" />;
}
