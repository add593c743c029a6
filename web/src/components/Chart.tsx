// A Chart.js canvas that follows the colour scheme. Only the chart types the console draws
// are registered, so the chart chunk stays small; pages import this lazily (with the page).
import { useComputedColorScheme } from '@mantine/core';
import {
  ArcElement,
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  DoughnutController,
  Filler,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
  type ChartConfiguration,
} from 'chart.js';
import { useEffect, useRef } from 'react';

Chart.register(
  ArcElement, BarController, BarElement, CategoryScale, DoughnutController, Filler, Legend,
  LinearScale, LineController, LineElement, PointElement, Tooltip,
);

export const PALETTE = [
  '#12b886', '#4c6ef5', '#fab005', '#fa5252', '#7950f2', '#15aabf', '#fd7e14', '#82c91e',
  '#e64980', '#868e96',
];

export function ChartCanvas({ config, height = 280, label }: { config: ChartConfiguration; height?: number; label: string }) {
  const ref = useRef<HTMLCanvasElement>(null);
  const scheme = useComputedColorScheme('light');
  useEffect(() => {
    if (!ref.current) return;
    const text = scheme === 'dark' ? '#c1c2c5' : '#495057';
    const grid = scheme === 'dark' ? 'rgba(255,255,255,0.08)' : 'rgba(0,0,0,0.07)';
    Chart.defaults.color = text;
    Chart.defaults.borderColor = grid;
    const chart = new Chart(ref.current, {
      ...config,
      options: { responsive: true, maintainAspectRatio: false, animation: false, ...config.options },
    });
    return () => chart.destroy();
  }, [config, scheme]);
  return (
    <div style={{ position: 'relative', height }}>
      <canvas ref={ref} role="img" aria-label={label} data-testid="chart" />
    </div>
  );
}
