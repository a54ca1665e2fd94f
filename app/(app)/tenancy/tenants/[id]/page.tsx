import { DetailPage, recordMetadata } from "@/components/objects/pages";

export const generateMetadata = recordMetadata("tenant");

export default function Page({ params }: { params: Promise<{ id: string }> }) {
  return <DetailPage kind="tenant" params={params} />;
}
