import { AddPage, addMetadata } from "@/components/objects/pages";

export const metadata = addMetadata("proxmox-endpoint");

export default function Page() {
  return <AddPage kind="proxmox-endpoint" />;
}
