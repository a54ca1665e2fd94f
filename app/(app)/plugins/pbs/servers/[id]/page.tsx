import { DetailPage, recordMetadata } from "@/components/objects/pages";

export const generateMetadata = recordMetadata("pbs-server");

export default function Page({ params }: { params: Promise<{ id: string }> }) {
  return <DetailPage kind="pbs-server" params={params} />;
}
