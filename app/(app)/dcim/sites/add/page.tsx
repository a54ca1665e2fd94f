import { AddPage, addMetadata } from "@/components/objects/pages";

export const metadata = addMetadata("site");

export default function Page() {
  return <AddPage kind="site" />;
}
