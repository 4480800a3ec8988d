export function CardHeader({ kicker, title }: { kicker: string; title: string }) {
  return (
    <>
      <div className="card-kicker">{kicker}</div>
      <h2 className="card-title">{title}</h2>
    </>
  );
}
