import { DetailPage, recordMetadata } from "@/components/objects/pages";

export const generateMetadata = recordMetadata("site");

export default function Page({ params }: { params: Promise<{ id: string }> }) {
  return <DetailPage kind="site" params={params} />;
}
