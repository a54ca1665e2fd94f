import { EditPage } from "@/components/objects/pages";

export default function Page({ params }: { params: Promise<{ id: string }> }) {
  return <EditPage kind="site" params={params} />;
}
