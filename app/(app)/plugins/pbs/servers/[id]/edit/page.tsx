import { EditPage } from "@/components/objects/pages";

export default function Page({ params }: { params: Promise<{ id: string }> }) {
  return <EditPage kind="pbs-server" params={params} />;
}
