import { DetailPage } from "@/components/objects/pages";

export default function Page({ params }: { params: Promise<{ id: string }> }) {
  return <DetailPage kind="pdm-remote" params={params} />;
}
