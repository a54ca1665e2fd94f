import { ListPage, listMetadata } from "@/components/objects/pages";
import type { RawSearchParams } from "@/lib/ui/search-params";

export const metadata = listMetadata("pdm-endpoint");

export default function Page({ searchParams }: { searchParams: Promise<RawSearchParams> }) {
  return <ListPage kind="pdm-endpoint" searchParams={searchParams} />;
}
