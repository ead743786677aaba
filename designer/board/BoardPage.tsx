// The public disclosure board (公开栏), no sign-in.
export function BoardPage({ villageId }: { villageId: string | null }) {
  return <h1>{villageId}</h1>;
}
