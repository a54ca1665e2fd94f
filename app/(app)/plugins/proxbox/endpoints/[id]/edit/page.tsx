import { EditPage, recordMetadata } from "@/components/objects/pages";

export const generateMetadata = recordMetadata("proxmox-endpoint", "edit");

export default function Page({ params }: { params: Promise<{ id: string }> }) {
  return <EditPage kind="proxmox-endpoint" params={params} />;
}
