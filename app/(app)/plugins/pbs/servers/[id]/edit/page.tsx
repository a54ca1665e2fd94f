import { EditPage, recordMetadata } from "@/components/objects/pages";

export const generateMetadata = recordMetadata("pbs-server", "edit");

export default function Page({ params }: { params: Promise<{ id: string }> }) {
  return <EditPage kind="pbs-server" params={params} />;
}
