import { BadRequestException, ValidationPipe } from '@nestjs/common';
import { NearbyPoisQueryDto, ReplacePoisDto } from './poi.dto';

// The app's global pipe (CONVENTIONS.md), applied the way Nest applies it to @Query() and @Body().
const pipe = new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true });
const query = (value: object) => pipe.transform(value, { type: 'query', metatype: NearbyPoisQueryDto });
const body = (value: object) => pipe.transform(value, { type: 'body', metatype: ReplacePoisDto });

const poi = { id: 'a', name: '甲 A', description: 'd', lat: 39.9, lon: 116.4, radiusM: 50 };

describe(NearbyPoisQueryDto.name, () => {
  it('turns query strings into numbers', async () => {
    expect(await query({ lat: '39.9', lon: '116.4', radius: '250' })).toEqual({
      lat: 39.9,
      lon: 116.4,
      radius: 250,
    });
  });

  it.each([
    ['lat missing', { lon: '116.4' }],
    ['lat empty', { lat: '', lon: '116.4' }],
    ['lat not a number', { lat: 'north', lon: '116.4' }],
    ['lat out of range', { lat: '91', lon: '116.4' }],
    ['lon out of range', { lat: '1', lon: '-181' }],
    ['radius 0', { lat: '1', lon: '1', radius: '0' }],
    ['radius over 50000', { lat: '1', lon: '1', radius: '50001' }],
    ['unknown parameter', { lat: '1', lon: '1', near: 'x' }],
  ])('rejects %s', async (_, value) => {
    await expect(query(value)).rejects.toBeInstanceOf(BadRequestException);
  });
});

describe(ReplacePoisDto.name, () => {
  it('accepts a valid set', async () => {
    expect(await body({ pois: [poi] })).toEqual({ pois: [poi] });
  });

  it.each([
    ['no pois', {}],
    ['a repeated id', { pois: [poi, poi] }],
    ['an unknown field', { pois: [{ ...poi, distanceM: 3 }] }],
    ['a latitude Redis GEO cannot hold', { pois: [{ ...poi, lat: 88 }] }],
    ['a missing radius', { pois: [{ ...poi, radiusM: undefined }] }],
    ['a bad id', { pois: [{ ...poi, id: 'a b' }] }],
    ['an item that is not an object', { pois: [3] }],
  ])('rejects %s', async (_, value) => {
    await expect(body(value)).rejects.toBeInstanceOf(BadRequestException);
  });
});
