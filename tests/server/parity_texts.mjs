// Deterministic test texts for server/wasm parity: variants of short passages in many languages
// and scripts (written for these tests), plus edge cases: empty, whitespace, digits, emoji,
// mixed scripts, very long text; and typing prefixes cut anywhere (mid-word, after spaces).
const PASSAGES = [
  'The weather is lovely today, so we are going for a long walk in the park after lunch.',
  'Thank you very much for your message, I will get back to you as soon as I can.',
  "Il fait très beau aujourd'hui, alors nous allons faire une longue promenade dans le parc.",
  'Das Wetter ist heute herrlich, also machen wir nach dem Mittagessen einen Spaziergang.',
  'Hoy hace muy buen tiempo, así que vamos a dar un largo paseo por el parque.',
  'Oggi il tempo è bellissimo, quindi faremo una lunga passeggiata nel parco.',
  'Hoje o tempo está ótimo, por isso vamos dar um longo passeio no parque.',
  'Het weer is vandaag prachtig, dus we gaan een lange wandeling maken in het park.',
  'Dzisiaj jest piękna pogoda, więc idziemy na długi spacer do parku.',
  'Сегодня прекрасная погода, поэтому мы пойдём на долгую прогулку в парк.',
  'Σήμερα ο καιρός είναι υπέροχος, γι αυτό θα κάνουμε μια μεγάλη βόλτα στο πάρκο.',
  'Bugün hava çok güzel, bu yüzden parkta uzun bir yürüyüşe çıkacağız.',
  'Idag är vädret underbart, så vi ska ta en lång promenad i parken.',
  'Tänään on kaunis sää, joten lähdemme pitkälle kävelylle puistoon.',
  'Dnes je krásné počasí, takže se půjdeme projít do parku.',
  'Ma gyönyörű az idő, ezért hosszú sétát teszünk a parkban.',
  'Astăzi vremea este frumoasă, așa că vom face o plimbare lungă prin parc.',
  'Hari ini cuacanya sangat bagus, jadi kami akan berjalan-jalan di taman.',
  '今日はとても良い天気なので、公園を長く散歩します。',
  '今天天气很好，所以我们要去公园散步。',
  '오늘은 날씨가 아주 좋아서 공원에서 오래 산책할 거예요.',
  'اليوم الطقس جميل جدا، لذلك سنذهب في نزهة طويلة في الحديقة.',
  'היום מזג האוויר נפלא, אז נצא לטיול ארוך בפארק.',
  'आज मौसम बहुत अच्छा है, इसलिए हम पार्क में लंबी सैर करेंगे।',
  'Hôm nay thời tiết rất đẹp, vì vậy chúng tôi sẽ đi dạo trong công viên.',
];
const EDGE = ['', ' ', '\n\t  ', '12345 67890', '!!! ??? ...', '😀😀🎉', 'a', 'ok', 'Привет hello 你好',
  'THE WEATHER IS LOVELY TODAY', 'x'.repeat(3000), 'é'.repeat(500), 'The park.\n\nLe parc.\n\nDer Park.'];

function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `n` texts for language detection. */
export function detectionTexts(n, seed = 11) {
  const rand = rng(seed);
  const out = [...EDGE];
  while (out.length < n) {
    const p = PASSAGES[Math.floor(rand() * PASSAGES.length)];
    const chars = [...p];
    const from = Math.floor(rand() * chars.length * 0.5);
    const to = from + 1 + Math.floor(rand() * (chars.length - from));
    let t = chars.slice(from, to).join('');
    const r = rand();
    if (r < 0.1) t = t.toUpperCase();
    else if (r < 0.2) t = `${t} ${PASSAGES[Math.floor(rand() * PASSAGES.length)]}`;
    else if (r < 0.25) t = t.repeat(20);
    out.push(t);
  }
  return out.slice(0, n);
}

/** `n` typing prefixes (cut at any character) of the Latin-script passages. */
export function suggestionTexts(n, seed = 12) {
  const rand = rng(seed);
  const latin = PASSAGES.slice(0, 18);
  const out = ['', '   ', 'a', 'Thank you', 'Thank you ', 'See you tomor'];
  while (out.length < n) {
    const p = latin[Math.floor(rand() * latin.length)];
    const cut = 1 + Math.floor(rand() * (p.length - 1));
    out.push(p.slice(0, cut));
  }
  return out.slice(0, n);
}
