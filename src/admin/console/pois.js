// @ts-check
/** The points of interest (also the broadcast form's list of places). */
import { api } from './api.js';
import { byId, cell, h, wideCell } from './dom.js';

/** @returns {Promise<Array<{id: string, name: string, description: string, lat: number, lon: number, radiusM: number}>>} */
export async function loadPois() {
  return (await api('/v1/admin/pois')).pois;
}

export async function refreshPois() {
  const pois = await loadPois();
  byId('pois-hint').textContent = `${pois.length} loaded`;
  byId('pois-table')
    .querySelector('tbody')
    ?.replaceChildren(
      ...pois.map((poi) =>
        h(
          'tr',
          {},
          cell('Name', h('strong', {}, poi.name)),
          cell('Id', h('span', { class: 'id' }, poi.id)),
          cell('Position', `${poi.lat.toFixed(5)}, ${poi.lon.toFixed(5)}`),
          cell('Radius', `${poi.radiusM} m`),
          wideCell('Description', poi.description),
        ),
      ),
    );
}
