import { ChangelogPage } from "@/components/objects/pages";

export default function Page({ params }: { params: Promise<{ id: string }> }) {
  return <ChangelogPage kind="pdm-remote" params={params} />;
}
