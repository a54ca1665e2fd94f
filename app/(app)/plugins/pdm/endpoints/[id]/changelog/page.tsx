import { ChangelogPage, recordMetadata } from "@/components/objects/pages";

export const generateMetadata = recordMetadata("pdm-endpoint", "changelog");

export default function Page({ params }: { params: Promise<{ id: string }> }) {
  return <ChangelogPage kind="pdm-endpoint" params={params} />;
}
