import { DetailPage, recordMetadata } from "@/components/objects/pages";

export const generateMetadata = recordMetadata("proxmox-endpoint");

export default function Page({ params }: { params: Promise<{ id: string }> }) {
  return <DetailPage kind="proxmox-endpoint" params={params} />;
}
