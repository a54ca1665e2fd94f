import { AddPage, addMetadata } from "@/components/objects/pages";

export const metadata = addMetadata("pbs-server");

export default function Page() {
  return <AddPage kind="pbs-server" />;
}
