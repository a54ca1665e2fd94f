import { DetailPage, recordMetadata } from "@/components/objects/pages";

export const generateMetadata = recordMetadata("pdm-endpoint");

export default function Page({ params }: { params: Promise<{ id: string }> }) {
  return <DetailPage kind="pdm-endpoint" params={params} />;
}
