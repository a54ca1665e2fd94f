import { AddPage, addMetadata } from "@/components/objects/pages";

export const metadata = addMetadata("pdm-endpoint");

export default function Page() {
  return <AddPage kind="pdm-endpoint" />;
}
