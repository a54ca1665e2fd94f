import { EditPage, recordMetadata } from "@/components/objects/pages";

export const generateMetadata = recordMetadata("pdm-endpoint", "edit");

export default function Page({ params }: { params: Promise<{ id: string }> }) {
  return <EditPage kind="pdm-endpoint" params={params} />;
}
