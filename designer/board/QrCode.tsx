// A QR code of a text (a record hash), drawn as an SVG data URL so it prints sharp.
import { useEffect, useState } from 'react';
import { toString as qrSvg } from 'qrcode';

export function QrCode({ text, alt, size = 160 }: { text: string; alt: string; size?: number }) {
  const [src, setSrc] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    qrSvg(text, { type: 'svg', errorCorrectionLevel: 'M', margin: 2, color: { dark: '#000000', light: '#ffffff' } })
      .then((svg) => live && setSrc(`data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`))
      .catch(() => live && setSrc(null));
    return () => {
      live = false;
    };
  }, [text]);
  if (!src) return <span className="qr-placeholder" style={{ width: size, height: size }} aria-hidden="true" />;
  return <img className="qr" src={src} alt={alt} width={size} height={size} data-testid="qr" />;
}
