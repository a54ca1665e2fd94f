import { DetailPage, recordMetadata } from "@/components/objects/pages";

export const generateMetadata = recordMetadata("user");

export default function Page({ params }: { params: Promise<{ id: string }> }) {
  return <DetailPage kind="user" params={params} />;
}
