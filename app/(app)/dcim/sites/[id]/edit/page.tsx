import { EditPage, recordMetadata } from "@/components/objects/pages";

export const generateMetadata = recordMetadata("site", "edit");

export default function Page({ params }: { params: Promise<{ id: string }> }) {
  return <EditPage kind="site" params={params} />;
}
