import { EditPage, recordMetadata } from "@/components/objects/pages";

export const generateMetadata = recordMetadata("tenant", "edit");

export default function Page({ params }: { params: Promise<{ id: string }> }) {
  return <EditPage kind="tenant" params={params} />;
}
