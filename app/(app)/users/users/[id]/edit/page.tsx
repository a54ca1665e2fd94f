import { EditPage, recordMetadata } from "@/components/objects/pages";

export const generateMetadata = recordMetadata("user", "edit");

export default function Page({ params }: { params: Promise<{ id: string }> }) {
  return <EditPage kind="user" params={params} />;
}
