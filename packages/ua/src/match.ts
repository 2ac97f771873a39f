// The redirector's user agent matcher: which device type and operating system a rule may name does a
// scan come from. Ingest classifies scans with ua-parser-js 1.0.41 (packages/ua, `parseUserAgent`);
// that parser is far too big and slow for the redirector, so this is a hand-written subset of its
// regular expressions, kept in the parser's order, because the parser takes the FIRST rule that
// matches, not the best one. The contract (checked by match.test.ts against a corpus
// of real user agents): for every value a rule can name, we answer it exactly when ingest does.
// Anything else ingest reports (HarmonyOS, KaiOS, Tizen, "Ubuntu", smart TVs, consoles, bots) is null.
import type { RuleDeviceType, RuleOs } from "@qr3/schema/rule-facts";

export interface MatchedDevice {
  device_type: RuleDeviceType | null;
  os: RuleOs | null;
}

const NONE: MatchedDevice = { device_type: null, os: null };

// ua-parser-js reads at most 500 characters (and trims leading blanks only when it cuts).
const MAX_LENGTH = 500;

// ---------------------------------------------------------------------------------------------
// Operating system. Each rule answers the OS ingest reports, spelled as ingest spells it: "other" is
// an OS no rule can name, "desktop" one that ingest still counts as a computer (Ubuntu, Debian,
// Fedora, FreeBSD, OpenBSD: its DESKTOP_OS). A function gets the match: ua-parser reports the text
// it captured, so "android" in lower case is not "Android".
type OsAnswer = RuleOs | "desktop" | "other";
type OsRule = [RegExp, OsAnswer | ((m: RegExpExecArray) => OsAnswer)];
const exactly = (name: RuleOs) => (m: RegExpExecArray): OsAnswer => (m[1] === name ? name : "other");
const DESKTOP_DISTROS = new Set(["Ubuntu", "Debian", "Fedora", "FreeBSD", "OpenBSD"]);
const distro = (m: RegExpExecArray): OsAnswer => (DESKTOP_DISTROS.has(m[1] ?? "") ? "desktop" : "other");

const OS_RULES: OsRule[] = [
  [/microsoft (windows) (vista|xp)/i, exactly("Windows")], // iTunes
  // Windows Phone / Mobile / IoT first: their UAs also say "Android" or "like iPhone OS".
  [/(windows (?:phone(?: os)?|mobile|iot))[\/ ]?/i, "other"],
  // Xbox says "Windows NT 10.0; ...; Xbox": the lookahead leaves it to the Xbox rule below.
  [/windows nt 6\.2; (arm)|windows[\/ ]([ntce\d\. ]+\w)(?!.+xbox)|(?:win(?=3|9|n)|win 9x )([nt\d\.]+)/i, "Windows"],
  // iPhone/iPad/iPod "... OS 17_3 like Mac OS X", Facebook's "FBSV/", apps' "CFNetwork ... Darwin".
  [/[adehimnop]{4,7}\b(?:.*os ([\w]+) like mac|; opera)|(?:ios;fbsv\/|iphone.+ios[\/ ])([\d\.]+)|cfnetwork\/.+darwin/i, "iOS"],
  // iPadOS 13+ asks for desktop sites with a plain Macintosh UA: ua-parser says macOS, so do we.
  [/(mac os x) ?([\w\. ]*)|(macintosh|mac_powerpc\b)(?!.+haiku)/i, "macOS"],
  // Huawei's "Android 12; HarmonyOS", Android-x86, Ubuntu Touch: not Android.
  [/droid ([\w\.]+)\b.+(android[- ]x86|harmonyos)|(ubuntu) ([\w\.]+) like android/i, "other"],
  // The leftmost of these names wins ("Tizen ... like Android" is Tizen, "KAIOS" is KaiOS).
  [/(android|bada|blackberry|kaios|maemo|meego|openharmony|qnx|rim tablet os|sailfish|series40|symbian|tizen|webos)\w*[-\/; ]?([\d\.]*)/i, exactly("Android")],
  [/\(bb(10);|(?:symbian ?os|symbos|s60(?=;)|series ?60)[-\/ ]?([\w\.]*)|mozilla\/[\d\.]+ \((?:mobile|tablet|tv|mobile; [\w ]+); rv:.+ gecko\/([\w\.]+)|web0s;.+rt(tv)|\b(?:hp)?wos(?:browser)?\/([\w\.]+)|watch(?: ?os[,\/]|\d,\d\/)([\d\.]+)|crkey\/([\d\.]+)/i, "other"],
  [/(cros) [\w]+(?:\)| ([\w\.]+)\b)/i, "ChromeOS"],
  // TVs, consoles (Xbox, PlayStation), then Linux distributions, which the parser tries before "Linux".
  [/panasonic;(viera)|(netrange)mmh|(nettv)\/(\d+\.[\w\.]+)|(nintendo|playstation) ([wids345portablevuch]+)|(xbox); +xbox ([^\);]+)|\b(joli|palm)\b ?(?:os)?\/?([\w\.]*)|(mint)[\/\(\) ]?(\w*)|(mageia|vectorlinux)[; ]/i, "other"],
  [/([kxln]?ubuntu|debian|suse|opensuse|gentoo|arch(?= linux)|slackware|fedora|mandriva|centos|pclinuxos|red ?hat|zenwalk|linpus|raspbian|plan 9|minix|risc os|contiki|deepin|manjaro|elementary os|sabayon|linspire)(?: gnu\/linux)?(?: enterprise)?(?:[- ]linux)?(?:-gnu)?[-\/ ]?(?!chrom|package)([-\w\.]*)/i, distro],
  [/(hurd|linux)(?: arm\w*| x86\w*| ?)([\w\.]*)/i, exactly("Linux")],
  [/\b([-frentopcghs]{0,5}bsd|dragonfly)[\/ ]?(?!amd|[ix346]{1,2}86)([\w\.]*)/i, distro],
];

function matchOs(ua: string): OsAnswer | null {
  for (const [pattern, answer] of OS_RULES) {
    const m = pattern.exec(ua);
    if (m) return typeof answer === "function" ? answer(m) : answer;
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Device type, as ua-parser's device.type: "none" when it reports none (a computer, if the OS is one),
// "other" for TVs, consoles and embedded devices (ingest: null). Wearables count as mobile. Again the
// first rule that matches decides, so a vendor's model rule beats the generic "Mobile Safari" test:
// Huawei's SHT-AL09 is a tablet though its UA says "Mobile", a Pixel 2 a phone though it does not.
type Kind = "mobile" | "tablet" | "none" | "other";
const DEVICE_RULES: [Kind, RegExp][] = [
  // Samsung tablets (SM-T, SM-P, SM-X, GT-N/P), then Samsung phones (not the SM-L/SM-R watches).
  ["tablet", /\b(sch-i[89]0\d|shw-m380s|sm-[ptx]\w{2,4}|gt-[pn]\d{2,4}|sgh-t8[56]9|nexus 10)/i],
  ["mobile", /\b((?:s[cgp]h|gt|sm)-(?![lr])\w+|sc[g-]?[\d]+a?|galaxy nexus)|samsung[- ]((?!sm-[lr])[-\w]+)|sec-(sgh\w+)/i],
  // Apple: "(iPhone;" / "(iPod touch;", then "(iPad; ... AppleWebKit"; a Mac has no device type.
  ["mobile", /(?:\/|\()(ip(?:hone|od)[\w, ]*)(?:\/|;)/i],
  ["tablet", /\((ipad);[-\w\),; ]+apple|applecoremedia\/[\w\.]+ \((ipad)|\b(ipad)\d\d?,\d\d?[;\]].+ios/i],
  ["none", /(macintosh);/i],
  ["mobile", /\b(sh-?[altvz]?\d\d[a-ekm]?)/i], // Sharp
  // Honor and Huawei tablets by model code (they often say "Mobile Safari"), then their phones.
  ["tablet", /\b((?:brt|eln|hey2?|gdi|jdn)-a?[lnw]09|(?:ag[rm]3?|jdn2|kob2)-a?[lw]0[09]hn)(?: bui|\)|;)/i],
  ["mobile", /honor([-\w ]+)[;\)]/i],
  ["tablet", /\b((?:ag[rs][2356]?k?|bah[234]?|bg[2o]|bt[kv]|cmr|cpn|db[ry]2?|jdn2|got|kob2?k?|mon|pce|scm|sht?|[tw]gr|vrd)-[ad]?[lw][0125][09]b?|605hw|bg2-u03|(?:gem|fdr|m2|ple|t1)-[7a]0[1-4][lu]|t1-a2[13][lw]|mediapad[\w\. ]*(?= bui|\)))\b(?!.+d\/s)/i],
  ["mobile", /(?:huawei)([-\w ]+)[;\)]|\b(nexus 6p|\w{2,4}e?-[atu]?[ln][\dx][012359c][adn]?)\b(?!.+d\/s)/i],
  // Xiaomi pads (21051182G, M2105K81AC, 2307BRPDCC, "Mi Pad"), then Xiaomi/POCO/Redmi phones.
  ["tablet", /oid[^\)]+; (2[\dbc]{4}(182|283|rp\w{2})[cgl]|m2105k81a?c)(?: bui|\))|\b((?:red)?mi[-_ ]?pad[\w- ]*)(?: bui|\))/i],
  ["mobile", /\b(poco[\w ]+|m2\d{3}j\d\d[a-z]{2})(?: bui|\))|\b; (\w+) build\/hm\2|\b(hm[-_ ]?note?[_ ]?(?:\d\w)?) bui|\b(redmi[\-_ ]?(?:note|k)?[\w_ ]+)(?: bui|\))|oid[^\)]+; (m?[12][0-389][01]\w{3,6}[c-y])( bui|; wv|\))|\b(mi[-_ ]?(?:a\d|one|one[_ ]plus|note lte|max|cc)?[_ ]?(?:\d?\w?)[_ ]?(?:plus|se|lite|pro)?)(?: bui|\))| ([\w ]+) miui\/v?\d/i],
  // OPPO, Vivo, Realme, Motorola phones; Motorola Xoom; LG tablets then phones; Lenovo tablets.
  ["mobile", /; (\w+) bui.+ oppo|\b(cph[12]\d{3}|p(?:af|c[al]|d\w|e[ar])[mt]\d0|x9007|a101op)\b/i],
  ["tablet", /\b(opd2(\d{3}a?))(?: bui|\))/i],
  ["mobile", /vivo (\w+)(?: bui|\))|\b(v[12]\d{3}\w?[at])(?: bui|;)|\b(rmx[1-3]\d{3})(?: bui|;|\))|\b(milestone|droid(?:[2-4x]| (?:bionic|x2|pro|razr))?:?( 4g)?)\b[\w ]+build\/|\bmot(?:orola)?[- ](\w*)|((?:moto(?! 360)[\w\(\) ]+|xt\d{3,4}|nexus 6)(?= bui|\)))/i],
  ["tablet", /\b(mz60\d|xoom[2 ]{0,2}) build\/|((?=lg)?[vl]k\-?\d{3}) bui| 3\.[-\w; ]{10}lg?-([06cv9]{3,4})/i],
  ["mobile", /(lm(?:-?f100[nv]?|-[\w\.]+)(?= bui|\))|nexus [45])|\blg[-e;\/ ]+((?!browser|netcast|android tv|watch)\w+)|\blg-?([\d\w]+) bui/i],
  ["tablet", /(ideatab[-\w ]+|602lv|d-42a|a101lv|a2109a|a3500-hv|s[56]000|pb-6505[my]|tb-?x?\d{3,4}(?:f[cu]|xu|[av])|yt\d?-[jx]?\d+[lfmx])( bui|;|\)|\/)|lenovo ?(b[68]0[08]0-?[hf]?|tab(?:[\w- ]+?)|tb[\w-]{6,7})( bui|;|\)|\/)|(nokia) (t[12][01])/i],
  ["mobile", /(?:maemo|nokia).*(n900|lumia \d+|rm-\d+)|nokia[-_ ]?(([-\w\. ]*))/i],
  // Google Pixel C / Pixel Tablet, Pixel phones; Sony phones, Xperia tablets; OnePlus.
  ["tablet", /(pixel (c|tablet))\b/i],
  ["mobile", /droid.+; (pixel[\daxl ]{0,6})(?: bui|\))|droid.+; (a?\d[0-2]{2}so|[c-g]\d{4}|so[-gl]\w+|xq-a\w[4-7][12])(?= bui|\).+chrome\/(?![1-6]{0,1}\d\.))/i],
  ["tablet", /sony tablet [ps]|\b(?:sony)?sgp\w+(?: bui|\))/i],
  ["mobile", / (kb2005|in20[12]5|be20[12][59])\b|(?:one)?(?:plus)? (a\d0\d\d)(?: b|\))/i],
  // Amazon Kindle Fire ("KFTT ... Silk/", "KFAUWI"), Fire Phone; BlackBerry PlayBook, BlackBerry.
  ["tablet", /(alexa)webm|(kf[a-z]{2}wi|aeo(?!bc)\w\w)( bui|\))|(kf[a-z]+)( bui|\)).+silk\//i],
  ["mobile", /((?:sd|kf)[0349hijorstuw]+)( bui|\)).+silk\//i],
  ["tablet", /(playbook);[-\w\),; ]+(rim)/i],
  ["mobile", /\b((?:bb[a-f]|st[hv])100-\d)|\(bb10; (\w+)/i],
  // Asus (Nexus 7, PadFone, ZenPad) and HTC (Nexus 9) tablets, their phones and a few vendors'.
  ["tablet", /(?:\b|asus_)(transfo[prime ]{4,10} \w+|eeepc|slider \w+|nexus 7|padfone|p00[cj])/i],
  ["mobile", / (z[bes]6[027][012][km][ls]|zenfone \d\w?)\b/i],
  ["tablet", /(nexus 9)/i],
  ["mobile", /(htc)[-;_ ]{1,2}([\w ]+(?=\)| bui)|\w+)|(zte)[- ]([\w ]+?)(?: bui|\/|\))|(alcatel|geeksphone|nexian|panasonic(?!(?:;|\.))|sony(?!-bra))[-_ ]?([-\w]*)/i],
  ["tablet", /droid [\w\.]+; ((?:8[14]9[16]|9(?:0(?:48|60|8[01])|1(?:3[27]|66)|2(?:6[69]|9[56])|466))[gqswx])\w*(\)| bui)|(itel) \w*(p10001l|w7001)/i], // TCL, itel
  ["mobile", /(itel) ((\w+))/i],
  ["tablet", /droid.+; ([ab][1-7]-?[0178a]\d\d?)/i], // Acer
  // Meizu, Ulefone, Energizer, Cat, Smartfren, Nothing phones; Archos tablets and phones.
  ["mobile", /droid.+; (m[1-5] note) bui|\bmz-([-\w]{2,})|; ((?:power )?armor(?:[\w ]{0,8}))(?: bui|\))|; (energy ?\w+)(?: bui|\))|; energizer ([\w ]+)(?: bui|\))|; cat (b35);|; (b15q?|s22 flip|s48c|s62 pro)(?: bui|\))|((?:new )?andromax[\w- ]+)(?: bui|\))|droid.+; (a(?:015|06[35]|142p?))/i],
  ["tablet", /; (x67 5g|tikeasy \w+|ac[1789]\d\w+)( b|\))|archos ?(5|gamepad2?|([\w ]*[t1789]|hello) ?\d+[\w ]*)( b|\))/i],
  ["mobile", /archos ([\w ]+)( b|\))|; (ac[3-6]\d\w{2,8})( b|\))/i],
  ["tablet", /(imo) (tab \w+)|(infinix) (x1101b?)/i],
  ["mobile", /(blackberry|benq|palm(?=\-)|sonyericsson|acer|asus(?! zenw)|dell|jolla|meizu|motorola|polytron|infinix|tecno|micromax|advan)[-_ ]?([-\w]*)|; (hmd|imo) ([\w ]+?)(?: bui|\))|(hp) ([\w ]+\w)|(microsoft); (lumia[\w ]+)|(lenovo)[-_ ]?([-\w ]+?)(?: bui|\)|\/)|(oppo) ?([\w ]+) bui/i],
  // E-readers and other tablets by name, Surface Duo; Fairphone; Essential PH-1.
  ["tablet", /(kobo)\s(ereader|touch)|(hp).+(touchpad(?!.+tablet)|tablet)|(kindle)\/([\w\.]+)|(nook)[\w ]+build\/(\w+)|(dell) (strea[kpr\d ]*[\dko])|(surface duo)/i],
  // Fairphone, AT&T, Siemens; then small vendors' tablets and phones, as ua-parser lists them.
  ["mobile", /droid [\d\.]+; (fp\du?)(?: b|\))|(u304aa)|\bsie-(\w*)/i],
  ["tablet", /\b(rct\w+) b|\b(venue[\d ]{2,7}) b|\b(q(?:mv|ta)\w+) b|\b(?:barnes[& ]+noble |bn[rt])([\w\+ ]*) b|\b(tm\d{3}\w+) b|\b(k88) b/i],
  ["mobile", /\b(nx\d{3}j) b|\b(gen\d{3}) b.+49h/i],
  ["tablet", /\b(zur\d{3}) b|\b((zeki)?tb.*\b) b|\b([yr]\d{2}) b|\b(dragon[- ]+touch |dt)(\w{5}) b|\b(ns-?\w{0,9}) b|\b((nxa|next)-?\w{0,9}) b/i],
  ["mobile", /\b(xtreme\_)?(v(1[045]|2[015]|[3469]0|7[05])) b|\b(lvtel\-)?(v1[12]) b|\b(ph-1) /i],
  ["tablet", /\b(v(100md|700na|7011|917g).*\b) b|\b(trio[-\w\. ]+) b|\btu_(1491) b|((?:tegranote|shield t(?!.+d tv))[\w- ]*?)(?: b|\))/i],
  ["mobile", /(sprint) (\w+)|(kin\.[onetw]{3})/i],
  ["tablet", /droid.+; (cc6666?|et5[16]|mc[239][23]x?|vc8[03]x?)\)/i], // Zebra
  ["mobile", /droid.+; (ec30|ps20|tc[2-8]\d[kx])\)/i],
  // Smart TVs (HbbTV, Chromecast "CrKey", Roku, "Android TV", "SMART-TV"), consoles: not a rule's.
  ["other", /smart-tv.+(samsung)|hbbtv.+maple;(\d+)|(nux; netcast.+smarttv|lg (netcast\.tv-201\d|android tv))|(apple) ?tv|crkey|droid.+aft(\w+)( bui|\))|(shield \w+ tv)|(bravia[\w ]+)( bui|\))|(mi(tv|box)-?\w+) bui|\b(roku)[\dx]*[\)\/]((?:dvp-)?[\d\.]*)|hbbtv\/\d+\.\d+\.\d+ +\([\w\+ ]*; *([\w\d][^;]*);([^;]*)|droid.+; ([\w- ]+) (?:android tv|smart[- ]?tv)|\b(android tv|smart[- ]?tv|opera tv|tv; rv:)\b|(ouya)|(nintendo) ([wids3utch]+)|droid.+; (shield)( bui|\))|(playstation \w+)|\b(xbox(?: one)?(?!; xbox))[\); ]/i],
  // Watches and headsets (Galaxy Watch, Apple Watch, Quest, Pico): wearables, which ingest counts as mobile.
  ["mobile", /\b(sm-[lr]\d\d[0156][fnuw]?s?|gear live)\b|((pebble))app|(asus|google|lg|oppo) ((pixel |zen)?watch[\w ]*)( bui|\))|(ow(?:19|20)?we?[1-3]{1,3})|(watch)(?: ?os[,\/]|\d,\d\/)[\d\.]+|(opwwe\d{3})|(moto 360)|(smartwatch 3)|(g watch r)|droid.+; (glass) \d|(pico) (4|neo3(?: link|pro)?)|; (quest( \d| pro)?)/i],
  ["other", /(tesla)(?: qtcarbrowser|\/[-\w\.]+)|(aeobc)\b|(homepod).+mac os|windows iot/i], // embedded
  // Other Android devices: "Mobile Safari" is a phone, any other Safari a tablet (no "Mobile" token).
  ["mobile", /droid .+?; ([^;]+?)(?: bui|; wv\)|\) applew).+? mobile safari/i],
  ["tablet", /droid .+?; ([^;]+?)(?: bui|\) applew).+? safari|\b((tablet|tab)[;\/]|focus\/\d(?!.+mobile))/i],
  ["mobile", /(phone|mobile(?:[;\/]| [ \w\/\.]*safari)|pda(?=.+windows ce))/i],
];

function deviceKind(ua: string): Kind {
  for (const [kind, pattern] of DEVICE_RULES) if (pattern.test(ua)) return kind;
  return "none";
}

function match(ua: string): MatchedDevice {
  const os = matchOs(ua);
  const kind = deviceKind(ua);
  // ingest: a computer is a UA with no device type whose OS is a desktop one (DESKTOP_OS).
  const desktop = kind === "none" && os !== null && os !== "other" && os !== "iOS" && os !== "Android";
  return {
    device_type: kind === "mobile" || kind === "tablet" ? kind : desktop ? "desktop" : null,
    os: os === null || os === "other" || os === "desktop" ? null : os,
  };
}

// Scans repeat the same few hundred user agents; keep the last answers (a small bounded cache).
const cache = new Map<string, MatchedDevice>();
const CACHE_SIZE = 500;

export function matchDevice(userAgent: string | null): MatchedDevice {
  if (!userAgent) return NONE;
  let ua = userAgent;
  if (ua.length > MAX_LENGTH) ua = ua.replace(/^\s\s*/, "").slice(0, MAX_LENGTH);
  const cached = cache.get(ua);
  if (cached) return cached;
  const answer = match(ua);
  if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value!);
  cache.set(ua, answer);
  return answer;
}
