import { DetailPage, recordMetadata } from "@/components/objects/pages";

export const generateMetadata = recordMetadata("pdm-remote");

export default function Page({ params }: { params: Promise<{ id: string }> }) {
  return <DetailPage kind="pdm-remote" params={params} />;
}
