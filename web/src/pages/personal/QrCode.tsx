// A QR code drawn as one SVG path from uqr's module matrix (no canvas, no HTML strings). uqr is
// imported only here, so it ships with the personal page's chunk.
import { useMemo } from 'react';
import { encode } from 'uqr';

export function QrCode({ value, label, size = 184 }: { value: string; label: string; size?: number }) {
  const { path, width } = useMemo(() => {
    const qr = encode(value, { ecc: 'M', border: 2 });
    let d = '';
    qr.data.forEach((row, y) =>
      row.forEach((dark, x) => {
        if (dark) d += `M${x} ${y}h1v1h-1z`;
      }),
    );
    return { path: d, width: qr.size };
  }, [value]);
  return (
    <svg
      role="img"
      aria-label={label}
      width={size}
      height={size}
      viewBox={`0 0 ${width} ${width}`}
      shapeRendering="crispEdges"
      style={{ background: '#fff', borderRadius: 4, flex: 'none' }}
      data-testid="twofa-qr"
    >
      <path d={path} fill="#000" />
    </svg>
  );
}
